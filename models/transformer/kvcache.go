package transformer

import "fmt"

// Cache holds every layer's keys (after rotary) and values for incremental
// decoding: NewCache(B) on a model, then Step feeds tokens. Decoding with a
// cache computes exactly what the full Forward computes for those positions
// (TestKVCacheMatchesForward).
type Cache struct {
	B   int // sequences decoded together
	Len int // positions already fed

	nKV, hd, cap int
	k, v         [][]float32 // per layer (B, nKV, cap, hd)
}

func newCache(B, layers, nKV, hd int) *Cache {
	if B <= 0 {
		panic(fmt.Sprintf("transformer: cache for %d sequences", B))
	}
	return &Cache{B: B, nKV: nKV, hd: hd, k: make([][]float32, layers), v: make([][]float32, layers)}
}

// reserve makes room for n more positions, doubling the capacity as needed.
func (c *Cache) reserve(n int) {
	need := c.Len + n
	if need <= c.cap {
		return
	}
	cp := max(2*c.cap, need, 16)
	for l := range c.k {
		c.k[l], c.v[l] = c.regrow(c.k[l], cp), c.regrow(c.v[l], cp)
	}
	c.cap = cp
}

func (c *Cache) regrow(old []float32, cp int) []float32 {
	nb := make([]float32, c.B*c.nKV*cp*c.hd)
	for blk := 0; blk < c.B*c.nKV; blk++ {
		copy(nb[blk*cp*c.hd:], old[blk*c.cap*c.hd:(blk*c.cap+c.Len)*c.hd])
	}
	return nb
}

// view returns layer l's keys and values with the next n rows to write.
func (c *Cache) view(l int) kvView {
	return kvView{k: c.k[l], v: c.v[l], S: c.cap, off: c.Len}
}

// check panics if ids do not fit the cache (a programmer error).
func (c *Cache) check(ids []int, layers, nKV, hd int) int {
	if len(c.k) != layers || c.nKV != nKV || c.hd != hd {
		panic("transformer: Step with a cache made by another model")
	}
	if len(ids) == 0 || len(ids)%c.B != 0 {
		panic(fmt.Sprintf("transformer: Step got %d ids for %d sequences", len(ids), c.B))
	}
	return len(ids) / c.B
}

// Repeat returns a cache of c.B·r sequences, each of c's repeated r times
// in a row, with c's positions: the choices of one prompt continue from
// one copy each.
func (c *Cache) Repeat(r int) *Cache {
	out := newCache(c.B*r, len(c.k), c.nKV, c.hd)
	out.Len, out.cap = c.Len, c.Len
	for l := range c.k {
		out.k[l], out.v[l] = make([]float32, out.B*c.nKV*c.Len*c.hd), make([]float32, out.B*c.nKV*c.Len*c.hd)
		for b := 0; b < c.B; b++ {
			for h := 0; h < c.nKV; h++ {
				src := (b*c.nKV + h) * c.cap * c.hd
				for j := 0; j < r; j++ {
					dst := ((b*r+j)*c.nKV + h) * c.Len * c.hd
					copy(out.k[l][dst:dst+c.Len*c.hd], c.k[l][src:src+c.Len*c.hd])
					copy(out.v[l][dst:dst+c.Len*c.hd], c.v[l][src:src+c.Len*c.hd])
				}
			}
		}
	}
	return out
}
