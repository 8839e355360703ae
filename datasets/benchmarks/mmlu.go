package benchmarks

// Subject is one MMLU subject and the category group lm-eval files it
// under (lm_eval/tasks/mmlu/_generate_configs.py).
type Subject struct {
	Name, Category string
}

// mmluSubjects lists the 57 subjects in lm-eval's order.
var mmluSubjects = []Subject{
	{"abstract_algebra", "stem"},
	{"anatomy", "stem"},
	{"astronomy", "stem"},
	{"business_ethics", "other"},
	{"clinical_knowledge", "other"},
	{"college_biology", "stem"},
	{"college_chemistry", "stem"},
	{"college_computer_science", "stem"},
	{"college_mathematics", "stem"},
	{"college_medicine", "other"},
	{"college_physics", "stem"},
	{"computer_security", "stem"},
	{"conceptual_physics", "stem"},
	{"econometrics", "social_sciences"},
	{"electrical_engineering", "stem"},
	{"elementary_mathematics", "stem"},
	{"formal_logic", "humanities"},
	{"global_facts", "other"},
	{"high_school_biology", "stem"},
	{"high_school_chemistry", "stem"},
	{"high_school_computer_science", "stem"},
	{"high_school_european_history", "humanities"},
	{"high_school_geography", "social_sciences"},
	{"high_school_government_and_politics", "social_sciences"},
	{"high_school_macroeconomics", "social_sciences"},
	{"high_school_mathematics", "stem"},
	{"high_school_microeconomics", "social_sciences"},
	{"high_school_physics", "stem"},
	{"high_school_psychology", "social_sciences"},
	{"high_school_statistics", "stem"},
	{"high_school_us_history", "humanities"},
	{"high_school_world_history", "humanities"},
	{"human_aging", "other"},
	{"human_sexuality", "social_sciences"},
	{"international_law", "humanities"},
	{"jurisprudence", "humanities"},
	{"logical_fallacies", "humanities"},
	{"machine_learning", "stem"},
	{"management", "other"},
	{"marketing", "other"},
	{"medical_genetics", "other"},
	{"miscellaneous", "other"},
	{"moral_disputes", "humanities"},
	{"moral_scenarios", "humanities"},
	{"nutrition", "other"},
	{"philosophy", "humanities"},
	{"prehistory", "humanities"},
	{"professional_accounting", "other"},
	{"professional_law", "humanities"},
	{"professional_medicine", "other"},
	{"professional_psychology", "social_sciences"},
	{"public_relations", "social_sciences"},
	{"security_studies", "social_sciences"},
	{"sociology", "social_sciences"},
	{"us_foreign_policy", "social_sciences"},
	{"virology", "other"},
	{"world_religions", "humanities"},
}

// MMLUGroups lists lm-eval's MMLU groups: mmlu (every subject) and its four
// categories.
func MMLUGroups() []string {
	return []string{"mmlu", "mmlu_stem", "mmlu_other", "mmlu_social_sciences", "mmlu_humanities"}
}

// GroupTasks returns the tasks of group (mmlu or mmlu_<category>) in
// lm-eval's subject order, or nil if group is not an MMLU group. lm-eval
// aggregates a group over its leaf tasks, weighted by size.
func GroupTasks(group string) []string {
	var out []string
	for _, s := range mmluSubjects {
		if group == "mmlu" || group == "mmlu_"+s.Category {
			out = append(out, "mmlu_"+s.Name)
		}
	}
	return out
}
