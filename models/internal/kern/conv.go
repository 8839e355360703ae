package kern

import "fmt"

// Depthwise causal convolution of one sequence: L rows of E channels,
// weights transposed to (K, E) so that row k multiplies the input K−1−k
// steps back (PyTorch's Conv1d(E, E, K, groups=E, padding=K−1) truncated to
// L outputs). The assembly runs when E is a multiple of 8.

func convCheck(op string, L, E, K int, rows []float32, wT []float32, others ...[]float32) {
	ok := L >= 0 && E > 0 && K > 0 && len(rows) >= L*E && len(wT) >= K*E
	for _, o := range others {
		ok = ok && len(o) >= L*E
	}
	if !ok {
		panic(fmt.Sprintf("kern.%s: bad sizes L=%d E=%d K=%d", op, L, E, K))
	}
}

// ConvFwd writes y[t] = bias + Σ_k wT[k] ⊙ x[t−(K−1)+k] (missing rows are
// zero). bias is (E).
func ConvFwd(y, x, wT, bias []float32, L, E, K int) {
	convCheck("ConvFwd", L, E, K, y, wT, x)
	_ = bias[E-1]
	if L == 0 {
		return
	}
	if useAsm && E%Lanes == 0 {
		convFwdAVX(&y[0], &x[0], &wT[0], &bias[0], L, E, K)
		return
	}
	for t := 0; t < L; t++ {
		yr := y[t*E : (t+1)*E]
		copy(yr, bias[:E])
		for k := max(0, K-1-t); k < K; k++ {
			xr, w := x[(t-(K-1)+k)*E:], wT[k*E:]
			for e := range yr {
				yr[e] += w[e] * xr[e]
			}
		}
	}
}

// ConvBwdData writes dx[s] = Σ_k wT[k] ⊙ dy[s+K−1−k] (rows beyond L are
// zero).
func ConvBwdData(dx, dy, wT []float32, L, E, K int) {
	convCheck("ConvBwdData", L, E, K, dx, wT, dy)
	if L == 0 {
		return
	}
	if useAsm && E%Lanes == 0 {
		convBwdDataAVX(&dx[0], &dy[0], &wT[0], L, E, K)
		return
	}
	for s := 0; s < L; s++ {
		dr := dx[s*E : (s+1)*E]
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
// db += Σ_t dy[t], in time order.
func ConvBwdWeight(dwT, db, dy, x []float32, L, E, K int) {
	convCheck("ConvBwdWeight", L, E, K, dy, dwT, x)
	_ = db[E-1]
	if L == 0 {
		return
	}
	if useAsm && E%Lanes == 0 {
		convBwdWeightAVX(&dwT[0], &db[0], &dy[0], &x[0], L, E, K)
		return
	}
	for t := 0; t < L; t++ {
		g := dy[t*E : (t+1)*E]
		for e, v := range g {
			db[e] += v
		}
		for k := max(0, K-1-t); k < K; k++ {
			xr, w := x[(t-(K-1)+k)*E:], dwT[k*E:]
			for e, v := range g {
				w[e] += v * xr[e]
			}
		}
	}
}
