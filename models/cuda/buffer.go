package cuda

import (
	"fmt"
	"unsafe"
)

// Buf is a device array of float32 (or of 16-bit values, two per float32
// slot's worth of bytes when a kernel says so) from the device's allocator.
type Buf struct {
	Ptr devPtr
	Len int // elements of 4 bytes
	dev *Device
}

// NewBuf allocates n float32 elements (uninitialised).
func (d *Device) NewBuf(n int) (*Buf, error) {
	p, err := d.Alloc.alloc(uint64(n) * 4)
	if err != nil {
		return nil, err
	}
	return &Buf{Ptr: p, Len: n, dev: d}, nil
}

// Upload allocates a buffer holding a copy of x.
func (d *Device) Upload(x []float32) (*Buf, error) {
	b, err := d.NewBuf(len(x))
	if err != nil {
		return nil, err
	}
	if err := b.CopyFrom(x); err != nil {
		b.Free()
		return nil, err
	}
	return b, nil
}

// Free returns the buffer to the allocator's cache; b must not be used after.
func (b *Buf) Free() {
	if b == nil || b.dev == nil {
		return
	}
	b.dev.Alloc.release(b.Ptr)
	b.dev = nil
}

// CopyFrom copies x (len(x) ≤ b.Len) to the start of b.
func (b *Buf) CopyFrom(x []float32) error {
	if len(x) > b.Len {
		return fmt.Errorf("cuda: copying %d floats into a buffer of %d", len(x), b.Len)
	}
	if len(x) == 0 {
		return nil
	}
	return cuCopyHtoD(b.Ptr, unsafe.Pointer(&x[0]), uint64(len(x))*4)
}

// CopyTo copies the first len(x) elements of b to x; it waits for the work
// queued before it.
func (b *Buf) CopyTo(x []float32) error {
	if len(x) > b.Len {
		return fmt.Errorf("cuda: copying %d floats out of a buffer of %d", len(x), b.Len)
	}
	if len(x) == 0 {
		return nil
	}
	return cuCopyDtoH(unsafe.Pointer(&x[0]), b.Ptr, uint64(len(x))*4)
}

// Download returns a copy of the whole buffer.
func (b *Buf) Download() ([]float32, error) {
	x := make([]float32, b.Len)
	return x, b.CopyTo(x)
}

// Fill sets every element to v.
func (b *Buf) Fill(v float32) error {
	return cuMemset32(b.Ptr, *(*uint32)(unsafe.Pointer(&v)), uint64(b.Len))
}

// at returns the device address of element i.
func (b *Buf) at(i int) devPtr { return b.Ptr + devPtr(i)*4 }
