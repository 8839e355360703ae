package torchckpt

import (
	"fmt"
	"math"
)

// call applies an allowed global to its REDUCE arguments. Each builds an
// inert value; none runs anything from the file.
func call(fn, args any) (any, error) {
	g, ok := fn.(global)
	if !ok {
		return nil, fmt.Errorf("REDUCE calls a %s, not a global", typeName(fn))
	}
	a, ok := args.(tuple)
	if !ok {
		return nil, fmt.Errorf("%s called with %s arguments", g, typeName(args))
	}
	switch g.String() {
	case "collections.OrderedDict":
		return orderedDict(a)
	case "torch._utils._rebuild_tensor_v2":
		return rebuildTensor(a)
	case "torch._utils._rebuild_parameter":
		// (data, requires_grad, backward_hooks): the tensor itself
		if len(a) != 3 {
			return nil, fmt.Errorf("%s with %d arguments, want 3", g, len(a))
		}
		t, ok := a[0].(*tensor)
		if !ok {
			return nil, fmt.Errorf("%s of a %s", g, typeName(a[0]))
		}
		return t, nil
	}
	return nil, fmt.Errorf("%s cannot be called", g)
}

func orderedDict(a tuple) (any, error) {
	d := newDict()
	if len(a) == 0 {
		return d, nil
	}
	l, ok := a[0].(*list)
	if len(a) != 1 || !ok {
		return nil, fmt.Errorf("collections.OrderedDict with unexpected arguments")
	}
	for _, it := range l.items {
		kv, ok := it.(tuple)
		if !ok || len(kv) != 2 {
			return nil, fmt.Errorf("collections.OrderedDict item is not a pair")
		}
		if err := d.set(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage, storage_offset,
// size, stride, requires_grad, backward_hooks[, metadata]).
func rebuildTensor(a tuple) (any, error) {
	if len(a) != 6 && len(a) != 7 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments, want 6 or 7", len(a))
	}
	st, ok := a[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2 of a %s, not a storage", typeName(a[0]))
	}
	off, ok := a[1].(int64)
	if !ok || off < 0 {
		return nil, fmt.Errorf("_rebuild_tensor_v2: bad storage offset")
	}
	shape, err := ints(a[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := ints(a[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(stride) != len(shape) {
		return nil, fmt.Errorf("_rebuild_tensor_v2: size %v and stride %v differ in rank", shape, stride)
	}
	t := &tensor{st: st, offset: off, shape: shape, stride: stride}
	numel, last, err := t.extent()
	if err != nil {
		return nil, err
	}
	if numel > 0 && last >= st.numel {
		return nil, fmt.Errorf("tensor of size %v, stride %v at offset %d reads past its storage of %d elements", shape, stride, off, st.numel)
	}
	return t, nil
}

func ints(v any, what string) ([]int64, error) {
	t, ok := v.(tuple)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %s is a %s, not a tuple", what, typeName(v))
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("_rebuild_tensor_v2: %s %v is not a tuple of non-negative ints", what, t)
		}
		out[i] = n
	}
	return out, nil
}

// extent returns the number of elements and the largest storage index the
// view reads (offset + Σ (size−1)·stride), failing on overflow.
func (t *tensor) extent() (numel, last int64, err error) {
	numel, last = 1, t.offset
	for i, n := range t.shape {
		if n == 0 {
			return 0, 0, nil
		}
		if numel > math.MaxInt64/n {
			return 0, 0, fmt.Errorf("tensor size %v overflows", t.shape)
		}
		numel *= n
		if t.stride[i] > 0 && (n-1) > (math.MaxInt64-last)/t.stride[i] {
			return 0, 0, fmt.Errorf("tensor stride %v overflows", t.stride)
		}
		last += (n - 1) * t.stride[i]
	}
	return numel, last, nil
}

// contiguous reports whether the view is row-major with no gaps.
func (t *tensor) contiguous() bool {
	want := int64(1)
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.stride[i] != want {
			return false
		}
		want *= t.shape[i]
	}
	return true
}

// persistentStorage resolves torch.save's persistent id
// ('storage', storage_type, key, location, numel).
func persistentStorage(pid any) (*storage, error) {
	t, ok := pid.(tuple)
	if !ok || len(t) != 5 {
		return nil, fmt.Errorf("persistent id is not a ('storage', type, key, location, numel) tuple")
	}
	if s, _ := t[0].(string); s != "storage" {
		return nil, fmt.Errorf("persistent id of kind %v, want 'storage'", t[0])
	}
	g, ok := t[1].(global)
	if !ok || g.module != "torch" || storageTypes[g.name] == "" {
		return nil, fmt.Errorf("persistent id names storage type %s", typeName(t[1]))
	}
	key, ok := t[2].(string)
	if !ok || key == "" {
		return nil, fmt.Errorf("storage key %v is not a string", t[2])
	}
	numel, ok := t[4].(int64)
	if !ok || numel < 0 {
		return nil, fmt.Errorf("storage size %v is not a non-negative int", t[4])
	}
	return &storage{dtype: storageTypes[g.name], key: key, numel: numel}, nil
}
