package cuda

import (
	"os"
	"strings"
	"testing"
)

// Every kernel source compiles with NVRTC for sm_90 under each define the
// models use. It needs only NVRTC (no driver or GPU), so it runs wherever
// libnvrtc is found (SSMLAB_CUDA_LIBS) and skips elsewhere.
func TestKernelsCompile(t *testing.T) {
	if !cgoAvailable {
		t.Skip("built without cgo")
	}
	if _, missing, ok := loadNVRTC(candidates("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so")); !ok || missing != "" {
		if os.Getenv("SSMLAB_REQUIRE_GPU") != "" {
			t.Fatal("SSMLAB_REQUIRE_GPU is set but NVRTC is not found")
		}
		t.Skip("no NVRTC (set SSMLAB_CUDA_LIBS to the folder of libnvrtc.so.13)")
	}
	prelude, err := kernelFS.ReadFile("kernels/prelude.cu")
	if err != nil {
		t.Fatal(err)
	}
	files, err := kernelFS.ReadDir("kernels")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := f.Name()
		if name == "prelude.cu" {
			continue
		}
		body, _ := kernelFS.ReadFile("kernels/" + name)
		defs := [][]string{nil}
		switch {
		case strings.HasPrefix(name, "mamba"):
			defs = [][]string{{"-DSSM_N=4"}, {"-DSSM_N=16"}, {"-DSSM_N=32"}}
		case strings.HasPrefix(name, "neox"):
			defs = [][]string{{"-DHD=64"}}
		}
		for _, d := range defs {
			opts := append([]string{"--gpu-architecture=sm_90", "--std=c++17", "-default-device"}, d...)
			src := string(prelude) + "\n" + string(body)
			if _, log, err := nvrtcCompile(src, name, opts); err != nil {
				t.Errorf("%s %v: %v\n%s", name, d, err, log)
			} else if strings.Contains(log, "warning") {
				t.Logf("%s %v: %s", name, d, log)
			}
		}
	}
}
