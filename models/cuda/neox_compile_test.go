package cuda

import (
	"fmt"
	"os"
	"testing"
)

// The GPT-NeoX kernels compile under NVRTC for the head sizes the tests
// use beyond TestKernelsCompile's 64 (the smallest, the first of the
// narrow attention tiling, the largest), without a GPU.
func TestNeoXKernelsCompile(t *testing.T) {
	if !cgoAvailable {
		t.Skip("no cgo: NVRTC cannot be loaded")
	}
	path, missing, ok := loadNVRTC(candidates("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"))
	if !ok || missing != "" {
		if os.Getenv("SSMLAB_REQUIRE_GPU") != "" {
			t.Fatalf("SSMLAB_REQUIRE_GPU is set but NVRTC is not usable (%q, missing %q)", path, missing)
		}
		t.Skip("no NVRTC (set SSMLAB_CUDA_LIBS to the folder holding libnvrtc.so.13)")
	}
	prelude, err := kernelFS.ReadFile("kernels/prelude.cu")
	if err != nil {
		t.Fatal(err)
	}
	body, err := kernelFS.ReadFile("kernels/neox.cu")
	if err != nil {
		t.Fatal(err)
	}
	src := string(prelude) + "\n" + string(body)
	for _, hd := range []int{8, 80, 128} {
		opts := []string{"--gpu-architecture=sm_90", "--std=c++17", "-default-device", fmt.Sprintf("-DHD=%d", hd)}
		if _, log, err := nvrtcCompile(src, "neox.cu", opts); err != nil {
			t.Errorf("HD=%d: %v\n%s", hd, err, log)
		}
	}
}
