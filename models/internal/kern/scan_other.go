//go:build !amd64

package kern

const asmBuilt = false

func scanFwdAsm(a *Fwd) { scanFwdGo(a) }
func scanBwdAsm(a *Bwd) { scanBwdGo(a) }

func siluAVX(y, x *float32, n int)                          { panic("kern: no assembly") }
func siluBwdAVX(dx, dy, x *float32, n int)                  { panic("kern: no assembly") }
func expShiftAVX(dst, x *float32, n int, m float32) float32 { panic("kern: no assembly") }
func maxAVX(x *float32, n int) float32                      { panic("kern: no assembly") }
