package paper

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/config"
)

// The multiple-choice kinds take lm-eval benchmarks by name.
func TestLoadTasksByName(t *testing.T) {
	root := filepath.Join("..", "..", "datasets", "benchmarks", "testdata", "tasks")
	tasks, _, err := loadTasks(config.Dataset{Path: root, Tasks: []string{"arc_easy", "winogrande"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 || tasks[0].Name != "arc_easy" || tasks[1].Name != "winogrande" {
		t.Fatalf("tasks %v", tasks)
	}
	ctxs, err := tasks[0].Contexts(0)
	if err != nil || len(ctxs) != 6 || !strings.HasPrefix(ctxs[0], "Question: ") {
		t.Errorf("arc_easy contexts %q, %v", ctxs, err)
	}
	if _, err := tasks[0].Contexts(1); err == nil || !strings.Contains(err.Error(), "train") {
		t.Errorf("1-shot without a train split: %v", err)
	}
	if _, _, err := loadTasks(config.Dataset{Path: root, Tasks: []string{"lambada_openai"}}); err == nil || !strings.Contains(err.Error(), "ssmlab eval") {
		t.Errorf("lambada: %v", err)
	}
}
