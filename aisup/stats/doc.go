// Package stats is the supervisor's second tier: online statistics per
// metric and module, each judging a value against a baseline it learned
// from the values before.
//
//   - EWMA: an exponentially weighted mean and variance; a value's
//     z-score against them. Catches spikes and large steps, follows slow
//     drift.
//   - RobustZ: the median and MAD of a sliding window; a value's robust
//     z-score. A few outliers in the window do not move it.
//   - CUSUM: Page's two-sided cumulative sum of standardized excesses
//     over a baseline learned during a warm-up. Catches small lasting
//     shifts and drifts.
//
// Each detector is deterministic and, once made, allocates nothing per
// value. None fires before its warm-up is over. Monitor runs one of each
// per module (or process) and metric over metrics.Samples and returns
// aisup.Alerts whose evidence names the detector, the metric, the value,
// the baseline and the score. Nothing here is safe for concurrent use:
// the supervisor owns its monitor.
package stats
