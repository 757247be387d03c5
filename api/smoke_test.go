package api_test

import "testing"

func TestWalkThrough(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, w, task := alice.tree()
		alice.do("GET", jsonf("/api/tasks/%d/", task), nil).want(t, 200, jsonf(`{"id":%d,"workflow":%d,"project":%d,
			"title":"T","description":"","status":"todo","priority":"medium","due_date":null,"completed_at":null,
			"created_at":"<timestamp>","updated_at":"<timestamp>"}`, task, w, p))
		alice.do("GET", "/api/projects/", nil).want(t, 200, jsonf(`{"count":1,"next":null,"previous":null,"results":[
			{"id":%d,"name":"P of alice","description":"","owner":%d,"workflow_count":1,"task_count":1,
			"created_at":"<timestamp>","updated_at":"<timestamp>"}]}`, p, alice.ID))
	})
}
