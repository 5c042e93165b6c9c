package main

import (
	"os"
	"runtime/debug"
)

// oneShotHeap is the heap a one-shot command (diagnose, timeline) may grow
// to before the garbage collector runs at all. The process holds some 60
// MiB besides (the binary, the AWS SDK): 128 MiB keeps a week's timeline
// through AWS at real density under 200 MiB (it was 197-206 at 160 MiB),
// at no measurable cost to a local month's.
const oneShotHeap = 128 << 20

// oneShotGC trades memory for time in a command that answers one question
// and exits: a question's records are nearly all live until the answer is
// printed, so collecting while they are read finds little garbage and
// cost 40% of the CPU of a month's timeline. Collection now waits until
// the heap reaches oneShotHeap, and then keeps it under that. GOGC or
// GOMEMLIMIT set by the user win.
func oneShotGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(oneShotHeap)
}
