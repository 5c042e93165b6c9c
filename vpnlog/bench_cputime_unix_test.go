//go:build unix

package vpnlog

import "syscall"

// processCPUSeconds is the user+system CPU time of the whole process (all
// threads, the garbage collector's included). Benchmarks divide by it to
// report throughput per core-second, which other load on the machine does
// not distort the way it distorts wall time.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
