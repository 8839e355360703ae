package efficiency

import "runtime/metrics"

// Mem is one reading of the Go runtime's memory statistics.
type Mem struct {
	// HeapObjects is /memory/classes/heap/objects:bytes: the bytes of heap
	// objects, live ones and dead ones not yet swept. It rises with every
	// allocation and falls at garbage collections, so its maximum over a
	// step is the step's heap high-water mark (weights, optimizer state and
	// activations included), sampled.
	HeapObjects uint64
	// Allocated is /gc/heap/allocs:bytes: the cumulative bytes allocated on
	// the heap. Its difference over a step is exact and independent of GC
	// timing.
	Allocated uint64
}

var memNames = []string{"/memory/classes/heap/objects:bytes", "/gc/heap/allocs:bytes"}

// ReadMem reads the runtime's statistics without stopping the world
// (runtime/metrics, unlike runtime.ReadMemStats).
func ReadMem() Mem {
	s := []metrics.Sample{{Name: memNames[0]}, {Name: memNames[1]}}
	metrics.Read(s)
	return Mem{HeapObjects: value(s[0]), Allocated: value(s[1])}
}

func value(s metrics.Sample) uint64 {
	if s.Value.Kind() != metrics.KindUint64 {
		return 0 // metric not supported by this Go version
	}
	return s.Value.Uint64()
}
