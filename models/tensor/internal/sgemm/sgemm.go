// Package sgemm is ssmlab's pure-Go float32 matrix multiplication: a
// cache-blocked GEMM that packs panels of A and B (absorbing transposes and
// leading dimensions) and runs a 6x16 register-blocked micro-kernel, in
// AVX2+FMA assembly where the CPU has it (detected at run time) and in plain
// Go elsewhere. Work is split over goroutines by a fixed partition of C, and
// every element of C sums its k products in the same order whatever the
// partition, so results are bit-identical for any number of threads.
//
// The blocking follows Goto and van de Geijn, "Anatomy of High-Performance
// Matrix Multiplication" (2008), as BLIS does: a kc x nr panel of B stays in
// L1 while an mc x kc block of A streams from L2.
package sgemm

import "sync"

const (
	mr = 6    // micro-tile rows (broadcast A values)
	nr = 16   // micro-tile columns (two 8-float AVX registers)
	kc = 256  // depth of one packed block: a kc x nr B panel is 16 KiB (L1)
	mc = 144  // rows of a packed A block: mc x kc is 144 KiB (L2)
	nc = 3072 // columns of a packed B block

	// parallelMin is the m*n*k below which Gemm stays on one goroutine.
	parallelMin = 1 << 17
)

// Gemm runs the blocked GEMM with the Best micro-kernel.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, threads int) {
	Best.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads)
}

// Gemm sets C = alpha*op(A)*op(B) + beta*C for row-major matrices (op(A) is
// m x k, op(B) is k x n, C is m x n) using up to threads goroutines. With
// beta == 0, C is overwritten without being read. Sizes must have been
// checked by the caller.
func (kern Kernel) Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, threads int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scale(beta, c, m, n, ldc)
		return
	}
	g := gemm{kern.fn, transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc}
	tilesM, tilesN := (m+mr-1)/mr, (n+nr-1)/nr
	workers := max(1, threads)
	if m*n*k < parallelMin {
		workers = 1
	}
	// Split C into workers blocks of whole micro-tiles along its longer
	// side (in tiles). Tile boundaries do not depend on the split, so
	// neither does any element's arithmetic.
	var spans [][4]int
	if tilesM >= tilesN {
		per := (tilesM + workers - 1) / workers * mr
		for i := 0; i < m; i += per {
			spans = append(spans, [4]int{i, min(i+per, m), 0, n})
		}
	} else {
		per := (tilesN + workers - 1) / workers * nr
		for j := 0; j < n; j += per {
			spans = append(spans, [4]int{0, m, j, min(j+per, n)})
		}
	}
	if len(spans) == 1 {
		g.block(spans[0])
		return
	}
	var wg sync.WaitGroup
	for _, s := range spans[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.block(s)
		}()
	}
	g.block(spans[0])
	wg.Wait()
}

type gemm struct {
	kern           microKernel
	transA, transB bool
	k              int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
}

type buffers struct{ a, b, tile []float32 }

var pool = sync.Pool{New: func() any { return &buffers{tile: make([]float32, mr*nr)} }}

func grow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]float32, n)
}

// block computes C[i0:i1, j0:j1] for s = {i0, i1, j0, j1}.
func (g *gemm) block(s [4]int) {
	i0, i1, j0, j1 := s[0], s[1], s[2], s[3]
	buf := pool.Get().(*buffers)
	defer pool.Put(buf)
	// Equal-depth k blocks, a function of k alone.
	nk := (g.k + kc - 1) / kc
	kb0 := (g.k + nk - 1) / nk
	for jc := j0; jc < j1; jc += nc {
		nb := min(nc, j1-jc)
		for pc := 0; pc < g.k; pc += kb0 {
			kb := min(kb0, g.k-pc)
			buf.b = grow(buf.b, (nb+nr-1)/nr*nr*kb)
			packB(buf.b, g.b, g.ldb, g.transB, jc, nb, pc, kb)
			beta := g.beta
			if pc > 0 {
				beta = 1
			}
			for ic := i0; ic < i1; ic += mc {
				mb := min(mc, i1-ic)
				buf.a = grow(buf.a, (mb+mr-1)/mr*mr*kb)
				packA(buf.a, g.a, g.lda, g.transA, ic, mb, pc, kb)
				g.macro(buf, ic, mb, jc, nb, kb, beta)
			}
		}
	}
}

// macro runs the micro-kernel over one packed A block and one packed B
// block, updating C[ic:ic+mb, jc:jc+nb]. Edge tiles go through buf.tile.
func (g *gemm) macro(buf *buffers, ic, mb, jc, nb, kb int, beta float32) {
	c, ldc := g.c, g.ldc
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		bp := buf.b[jr*kb : (jr+nr)*kb]
		for ir := 0; ir < mb; ir += mr {
			rows := min(mr, mb-ir)
			ap := buf.a[ir*kb : (ir+mr)*kb]
			off := (ic+ir)*ldc + jc + jr
			if rows == mr && cols == nr {
				g.kern(kb, ap, bp, c[off:], ldc, g.alpha, beta)
				continue
			}
			g.kern(kb, ap, bp, buf.tile, nr, g.alpha, 0)
			for r := 0; r < rows; r++ {
				cr := c[off+r*ldc:][:cols]
				tr := buf.tile[r*nr:][:cols]
				if beta == 0 {
					copy(cr, tr)
					continue
				}
				for j := range cr {
					cr[j] = tr[j] + beta*cr[j]
				}
			}
		}
	}
}

// scale sets C = beta*C (C = 0 when beta == 0, whatever C held).
func scale(beta float32, c []float32, m, n, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
