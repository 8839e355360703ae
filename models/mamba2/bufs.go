package mamba2

import (
	freelist "github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// The transient buffers of a training step (the gate's copy in Forward,
// the gradients of Mixer.Backward, ChunkScanBackward and Model.Backward)
// come from free lists, so that a training loop allocates none of them
// after its first step; layers run one at a time, so one set serves them
// all. Every buffer is handed out zeroed, as make would, so the arithmetic
// is what it was with fresh allocations.
type mixerBufs struct{ z, dnormed, dy, dz, dx, ddt, dbm, dcm, dproj, dconv, dxbcIn []float32 }

type ssdBufs struct{ t, dBh, dCh []float32 }

type modelBufs struct{ dhf, dh, dtmp []float32 }

var (
	mixerBufList freelist.List[mixerBufs]
	ssdBufList   freelist.List[ssdBufs]
	modelBufList freelist.List[modelBufs]
	scratchList  freelist.List[scratch]
)

// zeroed returns *buf grown to n values, all zero.
func zeroed(buf *[]float32, n int) []float32 {
	*buf = tensor.Grow(*buf, n)
	clear(*buf)
	return *buf
}
