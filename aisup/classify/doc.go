// Package classify is the supervisor's classifier over metric feature
// vectors: a logistic regression, small enough to read and to evaluate
// in plain Go in the supervisor module, trained on the host from
// labelled traces (make train-sup, to come) by batch gradient descent
// with standardized features. Its weights travel in one binary encoding
// (MarshalBinary, Parse) that aisup/modelfile wraps and signs.
//
// A Model is read-only once trained or parsed and may be shared; Judge
// allocates nothing, given scratch, for a sample it does not flag.
package classify
