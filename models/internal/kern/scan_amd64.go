package kern

const asmBuilt = true

//go:noescape
func scanFwd8(a *Fwd)

//go:noescape
func scanBwd8(a *Bwd)

//go:noescape
func scanFwd16(a *Fwd)

//go:noescape
func scanBwd16(a *Bwd)

func scanFwdAsm(a *Fwd) { scanFwd8(a) }
func scanBwdAsm(a *Bwd) { scanBwd8(a) }

//go:noescape
func siluAVX(y, x *float32, n int)

//go:noescape
func siluBwdAVX(dx, dy, x *float32, n int)

//go:noescape
func expShiftAVX(dst, x *float32, n int, m float32) float32

//go:noescape
func maxAVX(x *float32, n int) float32

//go:noescape
func geluAVX(y, x *float32, n int)

//go:noescape
func geluBwdAVX(dx, dy, x *float32, n int)

//go:noescape
func expScaleShiftAVX(dst, x *float32, n int, scale, m float32) float32

//go:noescape
func scaleAVX(x *float32, n int, c float32)

//go:noescape
func dotAVX(a, b *float32, n int) float32

//go:noescape
func softmaxBwdAVX(ds, p, dp *float32, n int, dot, scale float32)

//go:noescape
func convFwdAVX(y, x, wT, bias *float32, L, E, K, xs int)

//go:noescape
func convBwdDataAVX(dx, dy, wT *float32, L, E, K, dxs int)

//go:noescape
func convBwdWeightAVX(dwT, db, dy, x *float32, L, E, K, xs int)

//go:noescape
func addAVX(dst, a, b *float32, n int)

//go:noescape
func mulAVX(dst, a, b *float32, n int)

//go:noescape
func sumRows64AVX(dst, x *float32, n, stride int)

//go:noescape
func sumRows8AVX(dst, x *float32, n, stride int)

//go:noescape
func axpyAVX(alpha float32, x, y *float32, n int)

//go:noescape
func adamwAVX(w, gr, m, v *float32, n int, c *[6]float32)

//go:noescape
func sumSqDevAVX(x *float32, n int, mu float32) (s, q float32)

//go:noescape
func normAffineAVX(y, xh, x, w, b *float32, n int, mu, s float32)

//go:noescape
func normBwdAVX(dx, dy, xh, w *float32, n int, s, c0, c1 float32)
