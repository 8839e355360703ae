package kern

const asmBuilt = true

//go:noescape
func scanFwd8(a *Fwd)

//go:noescape
func scanBwd8(a *Bwd)

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
