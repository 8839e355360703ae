package sgemm

// Packing copies a block of op(A) or op(B) into the order the micro-kernel
// reads it, so the transposes and leading dimensions are absorbed here and
// the kernel streams contiguous memory. Partial panels are padded with zeros;
// the padded rows and columns of the product are computed but never stored.

// packA packs rows [i0, i0+mb) and columns [p0, p0+kb) of op(A) (m x k) into
// micro-panels of mr rows: dst[q*mr*kb + p*mr + r] = op(A)[i0+q*mr+r, p0+p].
func packA(dst, a []float32, lda int, trans bool, i0, mb, p0, kb, mr int) {
	panels := (mb + mr - 1) / mr
	dst = dst[:panels*mr*kb]
	if trans {
		// op(A)[i, p] = a[p*lda+i]: read each row of a once, in order
		// (walking down a column instead would hit one cache set).
		if mb%mr != 0 {
			clear(dst[(panels-1)*mr*kb:]) // the zero rows of the last panel
		}
		full := mb / mr
		for p := 0; p < kb; p++ {
			src := a[(p0+p)*lda+i0:][:mb]
			if mr == 6 {
				for q := 0; q < full; q++ { // element moves: no memmove call per panel
					s, d := src[q*6:q*6+6:q*6+6], dst[q*6*kb+p*6:][:6:6]
					d[0], d[1], d[2], d[3], d[4], d[5] = s[0], s[1], s[2], s[3], s[4], s[5]
				}
			} else if mr == 12 {
				for q := 0; q < full; q++ {
					s, d := src[q*12:q*12+12:q*12+12], dst[q*12*kb+p*12:][:12:12]
					d[0], d[1], d[2], d[3], d[4], d[5] = s[0], s[1], s[2], s[3], s[4], s[5]
					d[6], d[7], d[8], d[9], d[10], d[11] = s[6], s[7], s[8], s[9], s[10], s[11]
				}
			} else {
				for q := 0; q < full; q++ {
					copy(dst[q*mr*kb+p*mr:][:mr], src[q*mr:q*mr+mr])
				}
			}
			if full < panels {
				copy(dst[full*mr*kb+p*mr:][:mr], src[full*mr:])
			}
		}
		return
	}
	for q := 0; q < panels; q++ {
		d := dst[q*mr*kb : (q+1)*mr*kb]
		r0, rows := i0+q*mr, min(mr, mb-q*mr)
		if rows == mr && mr%6 == 0 {
			for h := 0; h < mr; h += 6 {
				packA6(d, a, lda, r0+h, p0, kb, mr, h)
			}
			continue
		}
		clear(d)
		for r := 0; r < rows; r++ {
			src := a[(r0+r)*lda+p0:][:kb]
			for p, v := range src {
				d[p*mr+r] = v
			}
		}
	}
}

// packA6 interleaves six full rows of a (not transposed) into rows h..h+5
// of a micro-panel of mr rows.
func packA6(d, a []float32, lda, r0, p0, kb, mr, h int) {
	s0 := a[r0*lda+p0:][:kb]
	s1 := a[(r0+1)*lda+p0:][:kb]
	s2 := a[(r0+2)*lda+p0:][:kb]
	s3 := a[(r0+3)*lda+p0:][:kb]
	s4 := a[(r0+4)*lda+p0:][:kb]
	s5 := a[(r0+5)*lda+p0:][:kb]
	d = d[:mr*kb]
	for p := range s0 {
		dd := d[p*mr+h : p*mr+h+6 : p*mr+h+6]
		dd[0], dd[1], dd[2], dd[3], dd[4], dd[5] = s0[p], s1[p], s2[p], s3[p], s4[p], s5[p]
	}
}

// spreadFunc copies src[nr*q : nr*q+nr] to dst[q*stride:] for q < n (nr the
// kernel's panel width): one row of B into n panels. nil: copy.
type spreadFunc func(dst []float32, stride int, src []float32, n int)

// packB packs columns [j0, j0+nb) and rows [p0, p0+kb) of op(B) (k x n) into
// micro-panels of nr columns: dst[q*nr*kb + p*nr + j] = op(B)[p0+p, j0+q*nr+j].
func packB(dst, b []float32, ldb int, trans bool, j0, nb, p0, kb, nr int, spread spreadFunc) {
	panels := (nb + nr - 1) / nr
	dst = dst[:panels*nr*kb]
	if nb%nr != 0 {
		clear(dst[(panels-1)*nr*kb:]) // the zero columns of the last panel
	}
	if !trans {
		// op(B)[p, j] = b[p*ldb+j]: read each row of b once, in order.
		full := nb / nr
		for p := 0; p < kb; p++ {
			src := b[(p0+p)*ldb+j0:][:nb]
			if spread != nil {
				spread(dst[p*nr:], nr*kb, src, full)
			} else {
				for q := 0; q < full; q++ {
					copy(dst[q*nr*kb+p*nr:][:nr], src[q*nr:q*nr+nr])
				}
			}
			if full < panels {
				copy(dst[full*nr*kb+p*nr:][:nr], src[full*nr:])
			}
		}
		return
	}
	// op(B)[p, j] = b[j*ldb+p]: column j of a panel is a row of b. Eight
	// rows at a time are interleaved (8 sequential reads, one 32-byte
	// write per p) rather than each row scattered with stride nr.
	j := 0
	for ; j+8 <= nb && (j%nr)+8 <= nr; j += 8 {
		interleave8(dst[j/nr*nr*kb+j%nr:], nr, b[(j0+j)*ldb+p0:], ldb, kb)
	}
	for ; j < nb; j++ {
		src := b[(j0+j)*ldb+p0:][:kb]
		d := dst[j/nr*nr*kb+j%nr:]
		for p, v := range src {
			d[p*nr] = v
		}
	}
}

// interleave8 sets d[p*stride+r] = s[r*lds+p] for r < 8, p < kb: eight
// rows of s become eight adjacent columns of d, 8x8 blocks transposed in
// registers where the CPU has AVX2.
func interleave8(d []float32, stride int, s []float32, lds, kb int) {
	s0, s1, s2, s3 := s[:kb], s[lds:][:kb], s[2*lds:][:kb], s[3*lds:][:kb]
	s4, s5, s6, s7 := s[4*lds:][:kb], s[5*lds:][:kb], s[6*lds:][:kb], s[7*lds:][:kb]
	_ = d[(kb-1)*stride+7]
	p0 := 0
	if hasTranspose8 && kb >= 8 {
		p0 = kb / 8 * 8
		transpose8x8(&d[0], stride, &s0[0], lds, kb/8)
	}
	for p := p0; p < kb; p++ {
		dd := d[p*stride : p*stride+8 : p*stride+8]
		dd[0], dd[1], dd[2], dd[3] = s0[p], s1[p], s2[p], s3[p]
		dd[4], dd[5], dd[6], dd[7] = s4[p], s5[p], s6[p], s7[p]
	}
}

// spread16 is the spreadFunc of 16-column panels in Go: element moves,
// not a memmove call per panel; amd64 with AVX2 has an assembly loop.
func spread16(dst []float32, stride int, src []float32, n int) {
	for q := 0; q < n; q++ {
		s, d := src[q*16:q*16+16:q*16+16], dst[q*stride:][:16:16]
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
		d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15] = s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15]
	}
}
