package cuda

import (
	"fmt"
	"unsafe"

	"github.com/ssmlab/ssmlab/models/nn"
)

// uploader copies parameters to the device, keeping the first error.
type uploader struct {
	dev  *Device
	to16 *Kernel // common.cu's to_bf16, for bf16 copies
	err  error
}

// bf16 uploads x rounded to bf16 (a buffer of len(x) 16-bit values).
func (u *uploader) bf16(x []float32) *Buf {
	f := u.buf(x)
	if u.err != nil {
		return nil
	}
	defer f.Free()
	h, err := u.dev.NewBuf((len(x) + 1) / 2)
	if err != nil {
		u.err = err
		return nil
	}
	if u.err = u.to16.Launch(blocks(len(x), 256), [3]uint32{256, 1, 1}, 0, h, f, int64(len(x))); u.err != nil {
		h.Free()
		return nil
	}
	return h
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

// get16 returns a buffer of n bf16 values.
func (w *workspace) get16(n int) *Buf { return w.get((n + 1) / 2) }

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

// downloadBF16 widens n bf16 values of b to float32 on the device and
// copies them to the host.
func downloadBF16(d *Device, from16 *Kernel, b *Buf, n int) ([]float32, error) {
	ws := workspace{dev: d}
	defer ws.free()
	f := ws.get(n)
	if ws.err != nil {
		return nil, ws.err
	}
	if err := from16.Launch(blocks(n, 256), [3]uint32{256, 1, 1}, 0, f, b, int64(n)); err != nil {
		return nil, err
	}
	x := make([]float32, n)
	return x, f.CopyTo(x)
}
