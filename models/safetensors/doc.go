// Package safetensors reads and writes the safetensors format used by Hugging
// Face checkpoints and by ssmlab's forward/lyapunov contracts: an 8-byte
// little-endian header length, a JSON header mapping tensor names to
// {dtype, shape, data_offsets}, then the raw row-major little-endian data.
//
// Reading is strict: the header must lie inside the file, be valid JSON
// without duplicate names, and every tensor's offsets must lie inside the
// data, in order, without gaps or overlaps, covering it exactly, with shape x
// dtype size equal to the byte length. Every violation is an error naming the
// file and the tensor. Writing is atomic (temporary file, then rename).
//
// It imports precision (for F16/BF16 conversion) and internal/fsx only.
package safetensors
