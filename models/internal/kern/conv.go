package kern

import "fmt"

// Depthwise causal convolution of one sequence: L rows of E channels,
// weights transposed to (K, E) so that row k multiplies the input K−1−k
// steps back (PyTorch's Conv1d(E, E, K, groups=E, padding=K−1) truncated to
// L outputs). The input (forward) and its gradient may have a row stride of
// their own (xs, dxs ≥ E), so a conv can read its input in place from a
// wider projection. The assembly runs when E is a multiple of 8.

func convCheck(op string, L, E, K, s int, strided, rows, wT []float32, others ...[]float32) {
	ok := L >= 0 && E > 0 && K > 0 && s >= E && len(wT) >= K*E && (L == 0 || len(strided) >= (L-1)*s+E)
	for _, o := range others {
		ok = ok && len(o) >= L*E
	}
	if !ok || len(rows) < L*E {
		panic(fmt.Sprintf("kern.%s: bad sizes L=%d E=%d K=%d stride=%d", op, L, E, K, s))
	}
}

// ConvFwd writes y[t] = bias + Σ_k wT[k] ⊙ x[t−(K−1)+k] (missing rows are
// zero); x's rows are xs apart. bias is (E).
func ConvFwd(y, x []float32, xs int, wT, bias []float32, L, E, K int) {
	convCheck("ConvFwd", L, E, K, xs, x, y, wT)
	_ = bias[E-1]
	if L == 0 {
		return
	}
	if useAsm && E%Lanes == 0 {
		convFwdAVX(&y[0], &x[0], &wT[0], &bias[0], L, E, K, xs)
		return
	}
	for t := 0; t < L; t++ {
		yr := y[t*E : (t+1)*E]
		copy(yr, bias[:E])
		for k := max(0, K-1-t); k < K; k++ {
			xr, w := x[(t-(K-1)+k)*xs:], wT[k*E:]
			for e := range yr {
				yr[e] += w[e] * xr[e]
			}
		}
	}
}

// ConvBwdData writes dx[s] = Σ_k wT[k] ⊙ dy[s+K−1−k] (rows beyond L are
// zero); dx's rows are dxs apart.
func ConvBwdData(dx []float32, dxs int, dy, wT []float32, L, E, K int) {
	convCheck("ConvBwdData", L, E, K, dxs, dx, dy, wT)
	if L == 0 {
		return
	}
	if useAsm && E%Lanes == 0 {
		convBwdDataAVX(&dx[0], &dy[0], &wT[0], L, E, K, dxs)
		return
	}
	for s := 0; s < L; s++ {
		dr := dx[s*dxs : s*dxs+E]
		clear(dr)
		for k := max(0, s+K-L); k < K; k++ {
			g, w := dy[(s+K-1-k)*E:], wT[k*E:]
			for e := range dr {
				dr[e] += w[e] * g[e]
			}
		}
	}
}

// ConvBwdWeight accumulates dwT[k] += Σ_t dy[t] ⊙ x[t−(K−1)+k] and
// db += Σ_t dy[t], in time order; x's rows are xs apart.
func ConvBwdWeight(dwT, db, dy, x []float32, xs int, L, E, K int) {
	convCheck("ConvBwdWeight", L, E, K, xs, x, dy, dwT)
	_ = db[E-1]
	if L == 0 {
		return
	}
	if useAsm && E%Lanes == 0 {
		convBwdWeightAVX(&dwT[0], &db[0], &dy[0], &x[0], L, E, K, xs)
		return
	}
	for t := 0; t < L; t++ {
		g := dy[t*E : (t+1)*E]
		for e, v := range g {
			db[e] += v
		}
		for k := max(0, K-1-t); k < K; k++ {
			xr, w := x[(t-(K-1)+k)*xs:], dwT[k*E:]
			for e, v := range g {
				w[e] += v * xr[e]
			}
		}
	}
}
