//go:build !amd64

package kern

const asmBuilt = false

func scanFwdAsm(a *Fwd) { scanFwdGo(a) }
func scanFwd16(a *Fwd)  { panic("kern: no assembly") }
func scanBwd16(a *Bwd)  { panic("kern: no assembly") }
func scanBwdAsm(a *Bwd) { scanBwdGo(a) }

func siluAVX(y, x *float32, n int)                                      { panic("kern: no assembly") }
func siluBwdAVX(dx, dy, x *float32, n int)                              { panic("kern: no assembly") }
func expShiftAVX(dst, x *float32, n int, m float32) float32             { panic("kern: no assembly") }
func maxAVX(x *float32, n int) float32                                  { panic("kern: no assembly") }
func geluAVX(y, x *float32, n int)                                      { panic("kern: no assembly") }
func geluBwdAVX(dx, dy, x *float32, n int)                              { panic("kern: no assembly") }
func expScaleShiftAVX(dst, x *float32, n int, scale, m float32) float32 { panic("kern: no assembly") }
func scaleAVX(x *float32, n int, c float32)                             { panic("kern: no assembly") }
func dotAVX(a, b *float32, n int) float32                               { panic("kern: no assembly") }
func softmaxBwdAVX(ds, p, dp *float32, n int, dot, scale float32)       { panic("kern: no assembly") }
func convFwdAVX(y, x, wT, bias *float32, L, E, K, xs int)               { panic("kern: no assembly") }
func convBwdDataAVX(dx, dy, wT *float32, L, E, K, dxs int)              { panic("kern: no assembly") }
func convBwdWeightAVX(dwT, db, dy, x *float32, L, E, K, xs int)         { panic("kern: no assembly") }
func addAVX(dst, a, b *float32, n int)                                  { panic("kern: no assembly") }
func mulAVX(dst, a, b *float32, n int)                                  { panic("kern: no assembly") }
func sumRows64AVX(dst, x *float32, n, stride int)                       { panic("kern: no assembly") }
func sumRows8AVX(dst, x *float32, n, stride int)                        { panic("kern: no assembly") }
func axpyAVX(alpha float32, x, y *float32, n int)                       { panic("kern: no assembly") }
func adamwAVX(w, g, m, v *float32, n int, c *[6]float32)                { panic("kern: no assembly") }
func sumSqDevAVX(x *float32, n int, mu float32) (s, q float32)          { panic("kern: no assembly") }
func normAffineAVX(y, xh, x, w, b *float32, n int, mu, s float32)       { panic("kern: no assembly") }
func normBwdAVX(dx, dy, xh, w *float32, n int, s, c0, c1 float32)       { panic("kern: no assembly") }
