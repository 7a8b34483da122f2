// Package rules is the supervisor's first tier: thresholds and rates from
// the rules section of its policy, applied to each metrics.Sample. A rule
// compares one metric (or its sum over a sliding window, for a rate such
// as restarts per minute) with a constant or with the module's manifest
// limit (memory, threads), for one period or several in a row, and
// suggests an action when it fires. Parse reads the section (JSON, see
// Parse); Engine keeps each rule's window and count per module.
//
// An Engine is not safe for concurrent use: the supervisor owns it.
package rules
