// Attack is a ring-3 program that does what a hostile or runaway program
// would, one attack per run, so that the system tests can check that the
// kernel survives each one, that the attacker meets a clean error or a
// kill with a report, and that everything it held comes back:
//
//	attack chanflood     fill channels with queued messages until refused
//	attack cycle         try to build a cycle of channel endpoints in flight
//	attack spawnstorm    spawn children until refused
//	attack threadstorm   start threads until refused
//	attack touch         touch fresh memory until refused or killed
//	attack sparseunmap   map a huge range, touch two far pages, unmap it all
//	attack sleep         sleep forever (the test kills it)
//	attack devices       make every device call without a device handle
//
// Each attack prints one line that starts with "attack NAME:" and says how
// it ended. A child of spawnstorm runs "attack child" and waits for its
// parent's end.
package main
