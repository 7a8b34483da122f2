// Package ngram is the supervisor's model of a module's syscall
// sequences: the set of every window of n consecutive syscall numbers
// (n-gram) its processes made while it was trained, as Forrest et al.'s
// stide keeps ("A Sense of Self for Unix Processes", 1996). A live
// process is judged by how many of its recent n-grams the set lacks: the
// locality frame count of Somayaji's pH, the unseen n-grams among the
// last Frame calls, which tolerates the rare gaps of a short training
// and fires on a burst of new behaviour.
//
// Train builds a model from traces on the host (make train-sup, to
// come); MarshalBinary and Parse are its one encoding, which
// aisup/modelfile wraps and signs. Model.NewMonitor follows one process.
// A Model is read-only once made and may be shared; a Monitor is one
// process's and not safe for concurrent use.
package ngram
