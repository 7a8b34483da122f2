// Package aisup is the core of clk's AI supervisor: the alert every
// detector produces, with the evidence it rests on. The detectors and
// formats live in its subpackages, one per concept:
//
//   - metrics: what the kernel publishes each period per process and
//     module, its compact binary record, and the metrics by name;
//   - rules: tier 1, thresholds and rates over sliding windows, from the
//     rules section of the supervisor's policy;
//   - stats: tier 2, online baselines per metric and module (EWMA,
//     robust z-score over a window, CUSUM), learned during a warm-up;
//   - ngram: tier 3, a per-module model of syscall sequences (the
//     n-grams seen in training, scored by the unseen ones in a locality
//     frame, after Forrest's stide and Somayaji's pH);
//   - classify: tier 3, logistic regression over metric feature vectors,
//     trained on the host;
//   - modelfile: the signed file that carries a model's weights.
//
// Every detector is plain Go, deterministic for a given input and seed,
// and allocates nothing per observation once its state exists, so the
// same code runs in the supervisor module (GOOS=clk, ring 3) and in host
// tests and tools. The actions an alert suggests are suppolicy's: the
// supervisor signs them, the kernel's engine decides them.
// docs/supervisor.md says what is wired and what is not yet.
package aisup
