package cuda

import (
	"fmt"
	"unsafe"

	"github.com/ssmlab/ssmlab/models/nn"
)

// uploader copies parameters to the device, keeping the first error.
type uploader struct {
	dev *Device
	err error
}

func (u *uploader) buf(x []float32) *Buf {
	if u.err != nil {
		return nil
	}
	b, err := u.dev.Upload(x)
	u.err = err
	return b
}

// param uploads p's values, or returns nil for an absent parameter.
func (u *uploader) param(p *nn.Param) *Buf {
	if p == nil {
		return nil
	}
	return u.buf(p.Value.Data)
}

// workspace hands out temporary buffers of one call and frees them all at
// its end (back to the allocator's cache, so the next call reuses them).
type workspace struct {
	dev  *Device
	bufs []*Buf
	err  error
}

func (w *workspace) get(n int) *Buf {
	if w.err != nil {
		return nil
	}
	b, err := w.dev.NewBuf(n)
	if err != nil {
		w.err = err
		return nil
	}
	w.bufs = append(w.bufs, b)
	return b
}

// ints uploads x as C ints (token ids, targets).
func (w *workspace) ints(x []int) *Buf {
	b := w.get(len(x))
	if b == nil {
		return nil
	}
	v := make([]int32, len(x))
	for i, id := range x {
		v[i] = int32(id)
	}
	if len(v) > 0 {
		if err := cuCopyHtoD(b.Ptr, unsafe.Pointer(&v[0]), uint64(len(v))*4); err != nil {
			w.err = err
		}
	}
	return b
}

func (w *workspace) free() {
	for _, b := range w.bufs {
		b.Free()
	}
	w.bufs = nil
}

// errList keeps the first error of a sequence of launches.
type errList struct{ err error }

func (e *errList) add(err error) {
	if e.err == nil && err != nil {
		e.err = err
	}
}

// crossEntropy returns the mean of −log softmax(logits[r])[targets[r]] over
// the rows whose target is not negative, summed in row order in float64
// on the host from the per-row losses the kernel computes.
func crossEntropy(d *Device, k *Kernel, logits *Buf, targets []int, rows, V int) (float64, int, error) {
	if len(targets) != rows {
		return 0, 0, fmt.Errorf("cuda: %d targets for %d rows", len(targets), rows)
	}
	for r, t := range targets {
		if t >= V {
			return 0, 0, fmt.Errorf("cuda: target %d of row %d is outside the vocabulary [0, %d)", t, r, V)
		}
	}
	ws := workspace{dev: d}
	defer ws.free()
	tg := ws.ints(targets)
	per := ws.get(2 * rows) // float64 per row
	if ws.err != nil {
		return 0, 0, ws.err
	}
	if err := k.Launch([3]uint32{uint32(rows), 1, 1}, [3]uint32{256, 1, 1}, 0, per, logits, tg, V); err != nil {
		return 0, 0, err
	}
	out := make([]float64, rows)
	if rows > 0 {
		if err := cuCopyDtoH(unsafe.Pointer(&out[0]), per.Ptr, uint64(rows)*8); err != nil {
			return 0, 0, err
		}
	}
	var sum float64
	count := 0
	for r, t := range targets {
		if t >= 0 {
			sum += out[r]
			count++
		}
	}
	if count == 0 {
		return 0, 0, nil
	}
	return sum / float64(count), count, nil
}
