package api_test

import (
	"strings"
	"testing"
)

// TestHostileSizes sends inputs whose cost could grow with their size: a
// reference of 900,000 digits (once parsed as a big integer, seconds of
// CPU), and a status__in naming a choice 40,000 times (once one SQL
// placeholder each, over the engines' limits: a 500).
func TestHostileSizes(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		project, workflow, task := alice.tree()
		digits := strings.Repeat("7", 900000)
		alice.do("POST", "/api/workflows/", `{"name":"W","project":"`+digits+`"}`).
			want(t, 400, `{"project":["Invalid pk \"`+digits+`\" - object does not exist."]}`)
		alice.do("POST", "/api/workflows/", `{"name":"W","project":"7`+digits+`x"}`).
			want(t, 400, `{"project":["Incorrect type. Expected pk value, received str."]}`)

		repeated := strings.Repeat("todo,", 40000)
		alice.do("GET", "/api/tasks/?status__in="+repeated, nil).want(t, 200, jsonf(
			`{"count":1,"next":null,"previous":null,"results":[{"id":%d,"workflow":%d,"project":%d,"title":"T",
			"description":"","status":"todo","priority":"medium","due_date":null,"completed_at":null,
			"created_at":"<timestamp>","updated_at":"<timestamp>"}]}`, task, workflow, project))
		alice.do("GET", "/api/tasks/?cursor=&priority__in="+strings.Repeat("high,low,", 20000), nil).
			want(t, 200, `{"next":null,"previous":null,"results":[]}`)
		alice.do("GET", "/api/tasks/?status__in="+repeated+"bogus", nil).
			want(t, 400, `{"status__in":["Select a valid choice. bogus is not one of the available choices."]}`)
	})
}
