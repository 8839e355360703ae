package paper

import (
	"testing"

	"github.com/ssmlab/ssmlab/models/nn"
)

func TestRowDataIsAPureFunctionOfTheIndex(t *testing.T) {
	var rows [][]int
	for i := 0; i < 20; i++ {
		rows = append(rows, []int{i, i + 1, i + 2, 99})
	}
	d, err := newRowData(rows, 3, 4, 99, 7)
	if err != nil {
		t.Fatal(err)
	}
	a, ta := d.Batch(5)
	b, _ := d.Batch(5)
	c, _ := d.Batch(6)
	same, differ := true, false
	for i := range a {
		same = same && a[i] == b[i]
		differ = differ || a[i] != c[i]
	}
	if !same || !differ {
		t.Fatal("batches must repeat by index and differ across indices")
	}
	for r := 0; r < 3; r++ {
		if ta[r*4] != a[r*4+1] || ta[r*4+2] != nn.IgnoreIndex || ta[r*4+3] != nn.IgnoreIndex {
			t.Fatalf("targets %v for %v: shifted, padding and the last position ignored", ta, a)
		}
	}
	if _, err := newRowData([][]int{{1, 2}}, 1, 4, 0, 0); err == nil {
		t.Fatal("a short row was accepted")
	}
}

func TestSFTDataTargetsOnlyTheResponse(t *testing.T) {
	ex := []Example{{Prompt: []int{10, 11, 12}, Response: []int{20, 21}}}
	d, _ := newSFTData(ex, 1, 8, 0, 1)
	ids, tg := d.Batch(0)
	want := []int{10, 11, 12, 20, 21, 0, 0, 0}
	wantT := []int{-100, -100, 20, 21, 0, -100, -100, -100}
	for i := range want {
		if ids[i] != want[i] || tg[i] != wantT[i] {
			t.Fatalf("ids %v targets %v, want %v %v", ids, tg, want, wantT)
		}
	}
	// too long: cut from the left, keep the response
	d, _ = newSFTData([]Example{{Prompt: []int{1, 2, 3, 4, 5, 6, 7}, Response: []int{8, 9}}}, 1, 6, 0, 1)
	ids, tg = d.Batch(0)
	if ids[5] != 0 || ids[4] != 9 || tg[2] != 8 || tg[3] != 9 || tg[4] != 0 || tg[1] != -100 {
		t.Fatalf("cut: ids %v targets %v", ids, tg)
	}
}

func TestSplitHeldOut(t *testing.T) {
	ex := make([]Example, 25)
	for i := range ex {
		ex[i] = Example{Prompt: []int{i}}
	}
	tr, held := splitHeldOut(ex, 10)
	if len(tr) != 23 || len(held) != 2 || held[0].Prompt[0] != 9 || held[1].Prompt[0] != 19 {
		t.Fatalf("train %d, held %v", len(tr), held)
	}
	for _, e := range tr {
		if e.Prompt[0]%10 == 9 {
			t.Fatalf("held-out example %d is also trained on", e.Prompt[0])
		}
	}
	if tr, held := splitHeldOut(ex, 0); len(tr) != 25 || held != nil {
		t.Fatalf("k = 0 held %d out", len(held))
	}
}
