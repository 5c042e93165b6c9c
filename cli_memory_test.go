package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestOneShotGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	oneShotGC()
	if p := debug.SetGCPercent(100); p != -1 {
		t.Errorf("GC percent %d, want -1 (off until the limit)", p)
	}
	if l := debug.SetMemoryLimit(math.MaxInt64); l != oneShotHeap {
		t.Errorf("memory limit %d, want %d", l, oneShotHeap)
	}

	t.Setenv("GOGC", "50")
	oneShotGC()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("GOGC set by the user: GC percent changed to %d", p)
	}
}
