package flowtrack

import "time"

// Project field limits.
const (
	ProjectNameMax        = 200
	ProjectDescriptionMax = 10000
)

// Project is a user's container of workflows.
type Project struct {
	ID            int64
	OwnerID       int64
	Name          string
	Description   string
	WorkflowCount int64
	TaskCount     int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ProjectInput is a create or a change of a project; unset fields are kept.
type ProjectInput struct {
	Name        Opt[string]
	Description Opt[string]
}

// Check cleans and validates the set fields, recording every problem. With
// full set (create and PUT) a missing required field is a problem too.
func (in *ProjectInput) Check(p *Problems, full bool) {
	checkText(p, "name", &in.Name, full, false, ProjectNameMax)
	checkText(p, "description", &in.Description, false, true, ProjectDescriptionMax)
}

// checkText validates an optional string field in place.
func checkText(p *Problems, field string, v *Opt[string], required, allowBlank bool, max int) {
	if !v.Set {
		if required && !p.Has(field) {
			p.Add(field, MsgRequired)
		}
		return
	}
	clean, msgs := CheckString(v.Value, allowBlank, max)
	v.Value = clean
	for _, m := range msgs {
		p.Add(field, m)
	}
}

// checkChoice validates an optional choice field in place.
func checkChoice(p *Problems, field string, v *Opt[string], choices []string) {
	if !v.Set {
		return
	}
	for _, c := range choices {
		if v.Value == c {
			return
		}
	}
	p.Add(field, MsgChoice(v.Value))
}
