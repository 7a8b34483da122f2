// Copyright 2026 The clk Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package runtime

import (
	"internal/runtime/atomic"
	"internal/runtime/math"
)

// Time on clk.
//
// nanotime counts TSC ticks since boot, scaled by the TSC's frequency. A
// hypervisor that states the TSC's and the local APIC timer's frequencies
// in its timing leaf (CPUID 0x40000010) is believed; otherwise both are
// measured against the PIT at boot, whose 1.193182 MHz input clock is never
// wrong. CPUID leaves 0x15 and 0x16 are not used: they are missing under
// QEMU's TCG and may describe the host rather than the guest elsewhere. The
// wall clock is the CMOS RTC read once at boot plus nanotime.

const (
	// 8254 PIT (Intel 82C54 data sheet): input clock and ports.
	pitHz       = 1193182
	pitChannel2 = 0x42
	pitCommand  = 0x43
	// Port 0x61 (NMI status and control): bit 0 gates PIT channel 2,
	// bit 1 routes it to the speaker, bit 5 reads its output.
	portNMISC        = 0x61
	nmiscGate2       = 1 << 0
	nmiscSpeaker     = 1 << 1
	nmiscOut2        = 1 << 5
	pitCh2Mode0      = 0xb0 // channel 2, lobyte/hibyte, mode 0, binary
	clkCalibrateMS   = 5
	clkCalibrateRuns = 4

	// The hypervisor timing leaf, where the hypervisor's leaf 0x40000000
	// says it exists (its EAX, the highest hypervisor leaf, reaches it):
	// EAX the TSC's frequency, EBX the local APIC timer's, both in kHz
	// (VMware's definition, which KVM with QEMU's vmware-cpuid-freq, and
	// other hypervisors, follow).
	cpuidHypervisor     = 0x40000000
	cpuidHypervisorTime = 0x40000010
	cpuid1ECXHypervisor = 1 << 31
)

var (
	clkTSCHz    uint64 // measured TSC frequency
	clkTSCBase  uint64 // TSC at the calibration, nanotime's zero
	clkTSCMult  uint64 // ns = ticks * clkTSCMult >> 32
	clkWallBase int64  // Unix time in ns at nanotime 0
	clkLAPICHz  uint64 // local APIC timer ticks per second (divide by 1)
)

// clkTimeInit takes the TSC's and the local APIC timer's frequencies from
// the hypervisor or calibrates them against the PIT (clkCalibrate), then
// reads the RTC. Interrupts are off.
//
// The reference is channel 2, gated and read through port 0x61, where the
// machine has that port (a PC); else channel 0, whose count is latched and
// read back (QEMU's microvm has a PIT but no port 0x61).
//
// A window that the CPU spends partly off its host thread (a virtual
// machine's vCPU descheduled) measures too many TSC ticks for the PIT's
// count, never too few: the TSC is read before the PIT starts and after it
// ends. So the calibration takes the shortest of several windows.
func clkTimeInit() {
	if tscKHz, lapicKHz := clkHypervisorTiming(); tscKHz != 0 && lapicKHz != 0 {
		clkTSCHz, clkLAPICHz = tscKHz*1000, lapicKHz*1000
	} else {
		clkCalibrate()
	}
	clkTSCMult = (1_000_000_000 << 32) / clkTSCHz
	clkTSCBase = clkRdtsc()

	clkWallBase = clkRTCUnix()*1_000_000_000 - clkNanotime()
}

// clkHypervisorTiming returns the TSC's and the local APIC timer's
// frequencies in kHz from the hypervisor timing leaf, or zeros without one.
func clkHypervisorTiming() (tscKHz, lapicKHz uint64) {
	if _, _, c, _ := clkCpuid(1, 0); c&cpuid1ECXHypervisor == 0 {
		return 0, 0
	}
	if top, _, _, _ := clkCpuid(cpuidHypervisor, 0); top < cpuidHypervisorTime || top > cpuidHypervisor+0xffff {
		return 0, 0
	}
	a, b, _, _ := clkCpuid(cpuidHypervisorTime, 0)
	return uint64(a), uint64(b)
}

// clkCalibrate measures clkTSCHz and clkLAPICHz against the PIT.
func clkCalibrate() {
	calibrate := clkCalibrateCh2
	if clkInb(portNMISC) == 0xff {
		calibrate = clkCalibrateCh0
	}
	best, bestLAPIC := uint64(0), uint32(0)
	for range clkCalibrateRuns {
		ticks, lapic, ok := calibrate()
		if ok && (best == 0 || ticks < best) {
			best, bestLAPIC = ticks, lapic
		}
	}
	count := uint64(pitHz * clkCalibrateMS / 1000)
	if best == 0 {
		// No PIT answered: assume the rates below rather than none, and
		// say so; the clock will be off by their error.
		print("clk: no PIT to calibrate the TSC against; assuming 2 GHz\n")
		best, bestLAPIC = 2_000_000_000*clkCalibrateMS/1000, 1_000_000_000*clkCalibrateMS/1000
	}
	clkTSCHz = best * pitHz / count
	clkLAPICHz = uint64(bestLAPIC) * pitHz / count
}

// clkCalibrateCh2 counts TSC ticks and local APIC timer ticks during one
// clkCalibrateMS window of PIT channel 2.
func clkCalibrateCh2() (tsc uint64, lapic uint32, ok bool) {
	count := uint16(pitHz * clkCalibrateMS / 1000)
	v := clkInb(portNMISC)
	clkOutb(portNMISC, v&^(nmiscSpeaker|nmiscGate2))
	clkOutb(pitCommand, pitCh2Mode0)
	clkOutb(pitChannel2, uint8(count))
	clkOutb(pitChannel2, uint8(count>>8))

	t0 := clkRdtsc()
	clkLAPICTimerStartCount()
	clkOutb(portNMISC, v&^nmiscSpeaker|nmiscGate2) // start counting
	for clkInb(portNMISC)&nmiscOut2 == 0 {
	}
	lapic = clkLAPICTimerElapsed()
	t1 := clkRdtsc()
	clkOutb(portNMISC, v)
	return t1 - t0, lapic, true
}

// clkCalibrateCh0 is clkCalibrateCh2 with channel 0 counting down from
// 0xffff in mode 2 and its count latched and read until clkCalibrateMS
// worth of PIT ticks went by. It reports false if the count never moves.
func clkCalibrateCh0() (tsc uint64, lapic uint32, ok bool) {
	const (
		pitChannel0 = 0x40
		pitCh0Mode2 = 0x34 // channel 0, lobyte/hibyte, mode 2, binary
		pitLatch0   = 0x00 // latch channel 0's count
	)
	read := func() uint16 {
		clkOutb(pitCommand, pitLatch0)
		lo := clkInb(pitChannel0)
		hi := clkInb(pitChannel0)
		return uint16(hi)<<8 | uint16(lo)
	}
	clkOutb(pitCommand, pitCh0Mode2)
	clkOutb(pitChannel0, 0xff)
	clkOutb(pitChannel0, 0xff)
	want := uint32(pitHz * clkCalibrateMS / 1000)
	t0 := clkRdtsc()
	clkLAPICTimerStartCount()
	prev := read()
	elapsed, still := uint32(0), 0
	for elapsed < want {
		c := read()
		if c == prev {
			if still++; still > 1_000_000 {
				clkLAPICTimerElapsed()
				return 0, 0, false
			}
			continue
		}
		elapsed += uint32(prev - c) // counts down; wraps modulo 2^16
		prev, still = c, 0
	}
	lapic = clkLAPICTimerElapsed()
	t1 := clkRdtsc()
	// The window ran elapsed PIT ticks, a little more than want.
	return (t1 - t0) * uint64(want) / uint64(elapsed), uint32(uint64(lapic) * uint64(want) / uint64(elapsed)), true
}

// Nosplit: the clock of the paths that cannot grow a stack: the tick, the
// idle loop, nanotime1.
//
//go:nosplit
func clkNanotime() int64 {
	if clkTSCMult == 0 {
		return 0
	}
	hi, lo := math.Mul64(clkRdtsc()-clkTSCBase, clkTSCMult)
	return int64(hi<<32 | lo>>32)
}

func clkWalltime() (sec int64, nsec int32) {
	ns := clkWallBase + nanotime()
	return ns / 1_000_000_000, int32(ns % 1_000_000_000)
}

// CMOS RTC registers (MC146818 data sheet).
const (
	cmosIndex   = 0x70
	cmosData    = 0x71
	rtcSeconds  = 0x00
	rtcMinutes  = 0x02
	rtcHours    = 0x04
	rtcDay      = 0x07
	rtcMonth    = 0x08
	rtcYear     = 0x09
	rtcStatusA  = 0x0a
	rtcStatusB  = 0x0b
	rtcCentury  = 0x32 // as the ACPI FADT of PCs names it
	rtcUIP      = 1 << 7
	rtcBinary   = 1 << 2
	rtc24Hour   = 1 << 1
	rtcHourPM   = 1 << 7
	nmiDisabled = 1 << 7 // keep NMIs off while the index is set
)

var clkRTCLock uint32

func clkCMOS(reg uint8) uint8 {
	clkOutb(cmosIndex, nmiDisabled|reg)
	return clkInb(cmosData)
}

// clkRTCUnix reads the RTC as seconds since 1970, retrying until two reads
// agree so that an update in the middle does not tear the value.
//
// clkRTCLock is a spin lock, so its holder must not be descheduled: a
// goroutine preempted with it held (at a stack check of the closure below)
// left every later caller spinning in runtime code, which is never
// preempted, and on one CPU nothing ran again. acquirem keeps the holder
// on its M and unpreemptible until the lock is released.
func clkRTCUnix() int64 {
	mp := acquirem()
	for !atomic.Cas(&clkRTCLock, 0, 1) {
		clkPause()
	}
	var a, b [7]uint8
	read := func(r *[7]uint8) {
		for clkCMOS(rtcStatusA)&rtcUIP != 0 {
		}
		r[0] = clkCMOS(rtcSeconds)
		r[1] = clkCMOS(rtcMinutes)
		r[2] = clkCMOS(rtcHours)
		r[3] = clkCMOS(rtcDay)
		r[4] = clkCMOS(rtcMonth)
		r[5] = clkCMOS(rtcYear)
		r[6] = clkCMOS(rtcCentury)
	}
	read(&a)
	for {
		read(&b)
		if a == b {
			break
		}
		a = b
	}
	status := clkCMOS(rtcStatusB)
	atomic.Store(&clkRTCLock, 0)
	releasem(mp)

	pm := a[2]&rtcHourPM != 0
	a[2] &^= rtcHourPM
	if status&rtcBinary == 0 {
		for i := range a {
			a[i] = a[i]>>4*10 + a[i]&15
		}
	}
	hour := int64(a[2])
	if status&rtc24Hour == 0 {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	year := int64(a[6])*100 + int64(a[5])
	if a[6] == 0 {
		year = 2000 + int64(a[5])
	}
	return clkDaysFromCivil(year, int64(a[4]), int64(a[3]))*86400 + hour*3600 + int64(a[1])*60 + int64(a[0])
}

// clkDaysFromCivil returns the days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar.
func clkDaysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
