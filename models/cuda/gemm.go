package cuda

// Linear computes y = x·Wᵀ + beta·y for row-major x (n, in) with row
// stride ldx, W (out, in) as PyTorch stores it, and y (n, out) with row
// stride ldy, in fp32 through cublasSgemm (full fp32, no TF32: cuBLAS's
// default math mode). cuBLAS is column-major, so it computes yᵀ = W·xᵀ,
// W being the column-major (in, out) matrix transposed.
func (d *Device) Linear(y devPtr, ldy int, x devPtr, ldx int, w devPtr, n, in, out int, beta float32) error {
	return cublasSgemm(d.blas, true, false, out, n, in, 1, w, in, x, ldx, beta, y, ldy)
}

// cudaDataType values of the element types cuBLAS reads and writes.
const (
	typeF32  = 0
	typeF16  = 2
	typeBF16 = 14
)

// LinearBF16 is Linear with x, W and y in bf16 (y rounded from the fp32
// accumulation), through cublasGemmEx on the tensor cores: PyTorch
// autocast's matmul. Strides and sizes count elements.
func (d *Device) LinearBF16(y devPtr, ldy int, x devPtr, ldx int, w devPtr, n, in, out int) error {
	return cublasGemmEx(d.blas, true, false, out, n, in, 1, w, typeBF16, in, x, typeBF16, ldx, 0, y, typeBF16, ldy)
}
