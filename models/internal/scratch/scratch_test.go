package scratch

import (
	"runtime"
	"testing"
)

// A value put back survives garbage collections and comes back from Get.
func TestListKeepsValuesAcrossGC(t *testing.T) {
	var l List[[]float32]
	b := l.Get()
	Float32s(b, 100)
	l.Put(b)
	runtime.GC()
	runtime.GC()
	if c := l.Get(); c != b || len(*c) != 100 {
		t.Fatalf("got %p (len %d), want the buffer put back", c, len(*c))
	}
	if c := l.Get(); c == b || c == nil {
		t.Fatal("an empty list must return a new value")
	}
}

func TestFloat32sReusesCapacity(t *testing.T) {
	var buf []float32
	a := Float32s(&buf, 10)
	b := Float32s(&buf, 5)
	if &a[0] != &b[0] || len(b) != 5 || len(Float32s(&buf, 20)) != 20 {
		t.Fatal("Float32s must reuse the backing array when it is large enough")
	}
}

func TestReleaseAllEmptiesUsedLists(t *testing.T) {
	var a List[[]float32]
	var b List[int]
	x, y := a.Get(), b.Get()
	a.Put(x)
	b.Put(y)
	ReleaseAll()
	if c := a.Get(); c == x {
		t.Error("list a still held its value after ReleaseAll")
	}
	if c := b.Get(); c == y {
		t.Error("list b still held its value after ReleaseAll")
	}
	a.Put(x) // a released list works as before
	if c := a.Get(); c != x {
		t.Error("a list stopped keeping values after ReleaseAll")
	}
}
