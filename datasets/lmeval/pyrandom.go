package lmeval

import (
	"fmt"
	"math"
	"math/bits"
)

// PyRandom is CPython's random.Random: MT19937 seeded by init_by_array
// from the integer seed's 32-bit words, with getrandbits, _randbelow and
// sample as in CPython 3.11 (Lib/random.py, Modules/_randommodule.c).
type PyRandom struct {
	mt  [624]uint32
	idx int
}

// NewPyRandom returns random.Random(seed).
func NewPyRandom(seed int64) *PyRandom {
	u := uint64(seed)
	if seed < 0 {
		u = uint64(-seed) // CPython seeds with abs(seed)
	}
	key := []uint32{uint32(u)}
	if hi := uint32(u >> 32); hi != 0 {
		key = append(key, hi)
	}
	r := &PyRandom{}
	r.initByArray(key)
	return r
}

func (r *PyRandom) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < 624; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.idx = 624
}

func (r *PyRandom) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	for k := max(624, len(key)); k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i, j = i+1, j+1
		if i >= 624 {
			r.mt[0], i = r.mt[623], 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k := 623; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		if i++; i >= 624 {
			r.mt[0], i = r.mt[623], 1
		}
	}
	r.mt[0] = 0x80000000
}

// Uint32 is genrand_uint32.
func (r *PyRandom) Uint32() uint32 {
	if r.idx >= 624 {
		for i := range 624 {
			y := r.mt[i]&0x80000000 | r.mt[(i+1)%624]&0x7fffffff
			v := r.mt[(i+397)%624] ^ y>>1
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			r.mt[i] = v
		}
		r.idx = 0
	}
	y := r.mt[r.idx]
	r.idx++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	return y ^ y>>18
}

// Below is _randbelow(n) for 0 < n < 2^32: getrandbits(n.bit_length())
// until the draw is below n.
func (r *PyRandom) Below(n int) int {
	k := bits.Len(uint(n))
	for {
		if v := int(r.Uint32() >> (32 - k)); v < n {
			return v
		}
	}
}

// Sample is random.sample(range(n), k): k distinct indices in draw order.
func (r *PyRandom) Sample(n, k int) ([]int, error) {
	if k < 0 || k > n {
		return nil, fmt.Errorf("sample of %d from %d: sample larger than population or is negative", k, n)
	}
	out := make([]int, k)
	setsize := 21
	if k > 5 {
		setsize += int(math.Pow(4, math.Ceil(math.Log(float64(k*3))/math.Log(4))))
	}
	if n <= setsize {
		pool := make([]int, n)
		for i := range pool {
			pool[i] = i
		}
		for i := range k {
			j := r.Below(n - i)
			out[i] = pool[j]
			pool[j] = pool[n-i-1]
		}
		return out, nil
	}
	selected := map[int]bool{}
	for i := range k {
		j := r.Below(n)
		for selected[j] {
			j = r.Below(n)
		}
		selected[j] = true
		out[i] = j
	}
	return out, nil
}

// Float64 is random.random(): 53 random bits (genrand_res53).
func (r *PyRandom) Float64() float64 {
	a, b := r.Uint32()>>5, r.Uint32()>>6
	return (float64(a)*67108864 + float64(b)) * (1.0 / 9007199254740992.0)
}
