package safetensors

// DType is a safetensors element type name as written in the header.
type DType string

// The types ssmlab converts. Others in the format (BOOL, U8, I8, I16, U16,
// F64, U32, U64, F8_*) are read and validated but not converted.
const (
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	F64  DType = "F64"
)

var dtypeSize = map[DType]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// Size returns the element size in bytes, or 0 for an unknown type.
func (d DType) Size() int { return dtypeSize[d] }

// float reports whether d is a type DecodeFloat32 converts.
func (d DType) float() bool { return d == F32 || d == F16 || d == BF16 || d == F64 }
