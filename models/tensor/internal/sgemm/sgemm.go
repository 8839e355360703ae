// Package sgemm is ssmlab's pure-Go float32 matrix multiplication: a
// cache-blocked GEMM that packs panels of A and B (absorbing transposes and
// leading dimensions) and runs a register-blocked micro-kernel: 12x32 in
// AVX-512F assembly or 6x16 in AVX2+FMA assembly where the CPU has them
// (detected at run time; SSMLAB_SGEMM=avx2 or generic forces a smaller
// one) and 6x16 in plain Go elsewhere. Goroutines take blocks of C in turn
// (a slow core gets fewer of them), and every element of C sums its k
// products in the same order whichever goroutine computes it, so results
// are bit-identical for any number of threads and any scheduling.
//
// The blocking follows Goto and van de Geijn, "Anatomy of High-Performance
// Matrix Multiplication" (2008), as BLIS does: a kc x nr panel of B stays in
// L1 while an mc x kc block of A streams from L2. B is packed once, shared
// by all goroutines; A is packed per block, or read in place when it is not
// transposed.
package sgemm

import (
	"sync"
	"sync/atomic"

	"github.com/ssmlab/ssmlab/models/internal/workers"
)

// Each kernel has its own micro-tile (mr x nr: mr broadcast A values
// times nr B values per k) and depth kc of a packed block (a kc x nr B
// micro-panel stays in L1 while mc x kc of A streams from L2); see Kernel.
const (
	mc = 144  // rows of an A block at most: 144 x 256 x 4 bytes is 144 KiB (L2)
	nc = 3072 // columns of B packed at a time (all of k)

	// parallelMin is the m*n*k below which Gemm stays on one goroutine.
	parallelMin = 1 << 17

	// swapMaxM: a product x·Wᵀ with fewer rows than this (a decode step)
	// runs transposed (gemmSwapped).
	swapMaxM = 64
)

var noSwap bool // tests and benchmarks: never swap

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
	if transB && m < swapMaxM && n > m && !noSwap {
		if kern.narrow != nil && m <= kern.narrow.nr {
			kern = *kern.narrow // the swapped product has m columns
		}
		kern.gemmSwapped(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads)
		return
	}
	if kern.narrow != nil && n <= kern.narrow.nr {
		kern = *kern.narrow
	}
	g := gemm{kern: kern.fn, mr: kern.mr, nr: kern.nr, spread: kern.spread, transA: transA, transB: transB, m: m, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, workers: max(1, threads)}
	if !transA {
		g.unpacked = kern.unpacked
	}
	if m*n*k < parallelMin {
		g.workers = 1
	}
	// Equal-depth k blocks, a function of k alone (for a given kernel).
	nk := (k + kern.kc - 1) / kern.kc
	g.kb = (k + nk - 1) / nk
	g.mb = rowBlock(m, g.mr)
	bp := bpool.Get().(*[]float32)
	defer bpool.Put(bp)
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		*bp = grow(*bp, (nb+g.nr-1)/g.nr*g.nr*k)
		g.bp = *bp
		g.packB(jc, nb)
		g.compute(jc, nb)
	}
}

// gemmSwapped computes C = alpha*op(A)*Bᵀ + beta*C (B stored n x k) as
// the transpose of B·op(A)ᵀ. With few rows m, packing B (k*n values) would
// cost more than the product; in the swapped product B is the left operand,
// read in place, and only op(A) (m*k values) is packed. Each element still
// sums its products in the same k order.
func (kern Kernel) gemmSwapped(transA bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, threads int) {
	tp := bpool.Get().(*[]float32)
	defer bpool.Put(tp)
	*tp = grow(*tp, n*m)
	t := *tp
	kern.Gemm(false, !transA, n, m, k, alpha, b, ldb, a, lda, 0, t, m, threads)
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = t[j*m+i]
			} else {
				row[j] = t[j*m+i] + beta*row[j]
			}
		}
	}
}

// gemm is one product in progress; bp holds op(B)[:, jc:jc+nb] packed, k
// block after k block, shared by all workers.
type gemm struct {
	kern           microKernel
	unpacked       unpackedKernel // non-nil: read A in place, pack only partial panels
	spread         spreadFunc
	mr, nr         int // the micro-tile
	transA, transB bool
	m, k, kb, mb   int // kb: depth of a k block; mb: rows of an A block
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
	workers        int
	bp             []float32
}

type buffers struct{ a, tile []float32 }

var (
	pool  = sync.Pool{New: func() any { return new(buffers) }}
	bpool = sync.Pool{New: func() any { return new([]float32) }}
)

func grow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]float32, n)
}

// forEach runs fn(i) for i in [0, items) on up to g.workers goroutines
// (models/internal/workers' pool) that take items in turn from a shared
// counter. Which goroutine runs an item does not matter: items write
// disjoint parts of their output and compute them the same way.
func (g *gemm) forEach(items int, fn func(i int, buf *buffers)) {
	var next atomic.Int64
	workers.Run(min(g.workers, items), func(int) {
		buf := pool.Get().(*buffers)
		defer pool.Put(buf)
		for i := int(next.Add(1) - 1); i < items; i = int(next.Add(1) - 1) {
			fn(i, buf)
		}
	})
}

// packB packs op(B)[:, jc:jc+nb] into g.bp: for each k block starting at
// pc, its panels of nr columns, panel q at pc*nbr + q*nr*kb (nbr = nb
// rounded up to nr). Items are chunks of 128 columns of one k block.
func (g *gemm) packB(jc, nb int) {
	nr := g.nr
	panels := (nb + nr - 1) / nr
	chunk := max(1, 128/nr)
	chunks := (panels + chunk - 1) / chunk
	nkb := (g.k + g.kb - 1) / g.kb
	g.forEach(nkb*chunks, func(i int, _ *buffers) {
		pc, q0 := i/chunks*g.kb, i%chunks*chunk
		kb := min(g.kb, g.k-pc)
		cols := min(nb, (q0+chunk)*nr) - q0*nr
		packB(g.bp[pc*panels*nr+q0*nr*kb:], g.b, g.ldb, g.transB, jc+q0*nr, cols, pc, kb, nr, g.spread)
	})
}

// rowBlock is the rows of an A block for an m-row product: m split into
// the fewest blocks of at most mc rows, of equal size rounded up to mr, so
// that no block is much shorter than the others (512 rows make 4 blocks of
// 132, 132, 132 and 116 rows, not 144, 144, 144 and 80).
func rowBlock(m, mr int) int {
	blocks := (m + mc - 1) / mc
	mb := (m + blocks - 1) / blocks
	return min(mc, (mb+mr-1)/mr*mr)
}

// colSplit is how many column ranges compute cuts nb columns (panels
// micro-panels) into, given rowBlocks row blocks: the one that minimises
// the work of the busiest worker, ceil(items/workers) items of width
// panels each, preferring fewer items on ties. Items narrower than 128
// columns are not made unless the row blocks and wider items leave
// workers idle: a packed A block is reused across its item's columns.
func colSplit(panels, rowBlocks, workers, nr int) int {
	if workers <= 1 {
		return 1
	}
	minWidth := max(1, 128/nr) // panels
	best, bestCost := 1, -1
	for s := 1; s <= panels; s++ {
		width := (panels + s - 1) / s
		if width*s-width >= panels { // the same split as a smaller s
			continue
		}
		if width < minWidth && rowBlocks*(s-1) >= workers {
			break
		}
		items := rowBlocks * s
		cost := (items + workers - 1) / workers * width
		if bestCost < 0 || cost < bestCost {
			best, bestCost = s, cost
		}
	}
	return best
}

// compute updates C[:, jc:jc+nb] from g.bp. Items are blocks of g.mb rows
// by a share of the columns (colSplit). When columns are split and A needs
// packing, A is packed once up front and shared, not per item.
func (g *gemm) compute(jc, nb int) {
	nr := g.nr
	panels := (nb + nr - 1) / nr
	rowBlocks := (g.m + g.mb - 1) / g.mb
	split := colSplit(panels, rowBlocks, g.workers, nr)
	width := (panels + split - 1) / split * nr
	split = (nb + width - 1) / width
	var shared []float32
	if g.unpacked == nil && split > 1 {
		ap := bpool.Get().(*[]float32)
		defer bpool.Put(ap)
		*ap = grow(*ap, (g.m+g.mr-1)/g.mr*g.mr*g.k)
		shared = *ap
		g.packA(shared)
	}
	g.forEach(rowBlocks*split, func(i int, buf *buffers) {
		ic, j0 := i/split*g.mb, i%split*width
		g.block(buf, shared, ic, min(g.mb, g.m-ic), jc, j0, min(width, nb-j0), panels)
	})
}

// packA packs all of op(A) into ap, laid out like g.bp: k block after k
// block, each in panels of mr rows, the panel of row i at pc*mp + i*kb
// (mp = m rounded up to mr).
func (g *gemm) packA(ap []float32) {
	rowBlocks := (g.m + g.mb - 1) / g.mb
	mp := (g.m + g.mr - 1) / g.mr * g.mr
	nkb := (g.k + g.kb - 1) / g.kb
	g.forEach(nkb*rowBlocks, func(i int, _ *buffers) {
		pc, ic := i/rowBlocks*g.kb, i%rowBlocks*g.mb
		kb := min(g.kb, g.k-pc)
		packA(ap[pc*mp+ic*kb:], g.a, g.lda, g.transA, ic, min(g.mb, g.m-ic), pc, kb, g.mr)
	})
}

// block computes C[ic:ic+mb, jc+j0:jc+j0+w] (j0 a multiple of nr): for
// each k block in order, take A's rows packed (from shared, or packed here
// into buf.a) or in place, and run the micro-kernels against the packed
// panels of B.
func (g *gemm) block(buf *buffers, shared []float32, ic, mb, jc, j0, w, panels int) {
	mr := g.mr
	mp := (g.m + mr - 1) / mr * mr
	for pc := 0; pc < g.k; pc += g.kb {
		kb := min(g.kb, g.k-pc)
		var ap []float32
		switch {
		case shared != nil:
			ap = shared[pc*mp+ic*kb:]
		case g.unpacked == nil:
			buf.a = grow(buf.a, (mb+mr-1)/mr*mr*kb)
			packA(buf.a, g.a, g.lda, g.transA, ic, mb, pc, kb, mr)
			ap = buf.a
		case mb%mr != 0:
			rem := mb % mr
			buf.a = grow(buf.a, mr*kb) // just the partial last panel
			packA(buf.a, g.a, g.lda, false, ic+mb-rem, rem, pc, kb, mr)
			ap = buf.a
		}
		beta := g.beta
		if pc > 0 {
			beta = 1
		}
		bp := g.bp[pc*panels*g.nr+j0*kb:]
		g.macro(buf, ap, bp, ic, mb, jc+j0, w, pc, kb, beta)
	}
}

// macro runs the micro-kernel over one block of A (packed at ap, or in
// place) and the packed panels of B at bpk, updating C[ic:ic+mb, jc:jc+nb]. Edge
// tiles go through buf.tile.
func (g *gemm) macro(buf *buffers, ap, bpk []float32, ic, mb, jc, nb, pc, kb int, beta float32) {
	c, ldc := g.c, g.ldc
	mr, nr := g.mr, g.nr
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		bp := bpk[jr*kb : (jr+nr)*kb]
		for ir := 0; ir < mb; ir += mr {
			rows := min(mr, mb-ir)
			off := (ic+ir)*ldc + jc + jr
			if rows == mr && cols == nr {
				g.tile(ap, ic+ir, ir, rows, pc, kb, bp, c[off:], ldc, beta)
				continue
			}
			buf.tile = grow(buf.tile, mr*nr)
			g.tile(ap, ic+ir, ir, rows, pc, kb, bp, buf.tile, nr, 0)
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

// tile runs the micro-kernel for the A micro-panel of rows [i, i+rows)
// (row ir of the current block) into the mr x nr tile c. When A is read in
// place, ap holds only the packed partial last panel.
func (g *gemm) tile(ap []float32, i, ir, rows, pc, kb int, bp, c []float32, ldc int, beta float32) {
	mr := g.mr
	switch {
	case g.unpacked == nil:
		g.kern(kb, ap[ir*kb:(ir+mr)*kb], bp, c, ldc, g.alpha, beta)
	case rows == mr:
		g.unpacked(kb, g.a[i*g.lda+pc:], g.lda, bp, c, ldc, g.alpha, beta)
	default:
		g.kern(kb, ap[:mr*kb], bp, c, ldc, g.alpha, beta)
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
