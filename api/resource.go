package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flowtrack/flowtrack"
)

// resource describes one collection of the API; its handlers are written
// once for projects, workflows and tasks alike.
type resource[T, In any] struct {
	name   string // the model name in DRF's messages: "Project"
	path   string // the collection's path: "/api/projects/"
	list   func(flowtrack.Scope, context.Context, flowtrack.ListQuery) ([]T, int, error)
	get    func(flowtrack.Scope, context.Context, int64) (*T, error)
	create func(flowtrack.Scope, context.Context, In) (*T, error)
	update func(flowtrack.Scope, context.Context, int64, In, func(*T) error) (*T, error)
	delete func(flowtrack.Scope, context.Context, int64, func(*T) error) error
	decode func(o object, p *flowtrack.Problems, full bool) In
	// refs reports a reference to an object the caller does not have, so
	// that it comes with the other field errors; the store checks it again
	// in its transaction.
	refs   func(sc flowtrack.Scope, ctx context.Context, in In, p *flowtrack.Problems) error
	render func(*T) any
	id     func(*T) int64
	// params are the list's filters and orderings; sortKey is a row's
	// value for an ordering field, which cursors hold.
	params  *listParams
	sortKey func(*T, string) any
}

var projects = &resource[flowtrack.Project, flowtrack.ProjectInput]{
	name: "Project", path: "/api/projects/",
	list: flowtrack.Scope.ProjectList, get: flowtrack.Scope.ProjectGet, create: flowtrack.Scope.ProjectCreate,
	update: flowtrack.Scope.ProjectUpdate, delete: flowtrack.Scope.ProjectDelete,
	decode: decodeProject, render: renderProject, id: func(p *flowtrack.Project) int64 { return p.ID },
	params: projectParams, sortKey: (*flowtrack.Project).SortKey,
}

var workflows = &resource[flowtrack.Workflow, flowtrack.WorkflowInput]{
	name: "Workflow", path: "/api/workflows/",
	list: flowtrack.Scope.WorkflowList, get: flowtrack.Scope.WorkflowGet, create: flowtrack.Scope.WorkflowCreate,
	update: flowtrack.Scope.WorkflowUpdate, delete: flowtrack.Scope.WorkflowDelete,
	decode: decodeWorkflow, refs: workflowRefs, render: renderWorkflow, id: func(w *flowtrack.Workflow) int64 { return w.ID },
	params: workflowParams, sortKey: (*flowtrack.Workflow).SortKey,
}

var tasks = &resource[flowtrack.Task, flowtrack.TaskInput]{
	name: "Task", path: "/api/tasks/",
	list: flowtrack.Scope.TaskList, get: flowtrack.Scope.TaskGet, create: flowtrack.Scope.TaskCreate,
	update: flowtrack.Scope.TaskUpdate, delete: flowtrack.Scope.TaskDelete,
	decode: decodeTask, refs: taskRefs, render: renderTask, id: func(t *flowtrack.Task) int64 { return t.ID },
	params: taskParams, sortKey: (*flowtrack.Task).SortKey,
}

// objectID reads the {id} of a detail path. An id that is not a number is
// DRF's bare 404; a number that no row can have is the model's 404.
func (res *resource[T, In]) objectID(r *request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	switch {
	case err == nil && id > 0:
		return id, nil
	case err == nil, errors.Is(err, strconv.ErrRange):
		return 0, flowtrack.NotFound(res.name)
	}
	return 0, errNotFound
}

// writeObject writes one object with its ETag.
func (res *resource[T, In]) writeObject(w http.ResponseWriter, status int, obj *T) error {
	body, err := marshal(res.render(obj))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etagOf(body))
	writeBody(w, status, body)
	return nil
}

// etag returns the strong ETag of an object's representation.
func (res *resource[T, In]) etag(obj *T) string {
	body, _ := marshal(res.render(obj))
	return etagOf(body)
}

// etagOf is a strong validator: it changes whenever the body does.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// etagMatches evaluates an If-Match or If-None-Match list against etag,
// with strong comparison; "*" matches any existing object.
func etagMatches(header, etag string) bool {
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || candidate == etag {
			return true
		}
	}
	return false
}

// precondition returns the If-Match check of a write, or nil when the
// request has none, so a plain write skips computing the ETag.
func (res *resource[T, In]) precondition(r *request) func(*T) error {
	ifMatch, ok := r.Header["If-Match"]
	if !ok {
		return nil
	}
	header := strings.Join(ifMatch, ",")
	return func(cur *T) error {
		if !etagMatches(header, res.etag(cur)) {
			return flowtrack.ErrPrecondition
		}
		return nil
	}
}

func (res *resource[T, In]) handleGet(w http.ResponseWriter, r *request) error {
	id, err := res.objectID(r)
	if err != nil {
		return err
	}
	obj, err := res.get(r.data, r.Context(), id)
	if err != nil {
		return err
	}
	body, err := marshal(res.render(obj))
	if err != nil {
		return err
	}
	etag := etagOf(body)
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	writeBody(w, http.StatusOK, body)
	return nil
}

// input decodes and validates a request body. When a field is invalid,
// the references are checked too, so every error is reported at once.
func (res *resource[T, In]) input(r *request, o object, full bool) (In, error) {
	var p flowtrack.Problems
	in := res.decode(o, &p, full)
	if !p.Empty() && res.refs != nil {
		if err := res.refs(r.data, r.Context(), in, &p); err != nil {
			return in, err
		}
	}
	return in, p.Err()
}

// handleCreate is POST on a collection, at most once per Idempotency-Key.
func (res *resource[T, In]) handleCreate(w http.ResponseWriter, r *request) error {
	raw, o, err := readBody(r.Request)
	if err != nil {
		return err
	}
	in, err := res.input(r, o, true)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	if key != "" {
		stored, err := r.data.IdempotencyBegin(r.Context(), key, requestHash(r, res.path, raw), time.Now())
		if err != nil {
			return idempotencyError(err)
		}
		if stored != nil {
			replay(w, stored)
			return nil
		}
	}
	obj, err := res.create(r.data, r.Context(), in)
	if err != nil {
		if key != "" {
			// A failed create saves nothing, so a corrected retry may run.
			err = errors.Join(err, r.data.IdempotencyRelease(context.WithoutCancel(r.Context()), key))
		}
		return err
	}
	body, err := marshal(res.render(obj))
	if err != nil {
		return err
	}
	resp := flowtrack.StoredResponse{Status: http.StatusCreated, Body: body, ETag: etagOf(body),
		Location: res.path + strconv.FormatInt(res.id(obj), 10) + "/"}
	if key != "" {
		if err := r.data.IdempotencyFinish(context.WithoutCancel(r.Context()), key, resp); err != nil {
			return err
		}
	}
	replay(w, &resp)
	return nil
}

// handleUpdate is PUT (full) or PATCH. DRF looks the object up before it
// parses the body, so body errors are reported from inside the store's
// transaction, once the object is known to exist and its ETag matches.
func (res *resource[T, In]) handleUpdate(full bool) handlerFunc {
	return func(w http.ResponseWriter, r *request) error {
		id, err := res.objectID(r)
		if err != nil {
			return err
		}
		var in In
		o, inputErr := readObject(r.Request)
		if inputErr == nil {
			in, inputErr = res.input(r, o, full)
		}
		ifMatch := res.precondition(r)
		check := func(cur *T) error {
			if ifMatch != nil {
				if err := ifMatch(cur); err != nil {
					return err
				}
			}
			return inputErr
		}
		if ifMatch == nil && inputErr == nil {
			check = nil // nothing to look at first: the store may change it at once
		}
		obj, err := res.update(r.data, r.Context(), id, in, check)
		if err != nil {
			return err
		}
		return res.writeObject(w, http.StatusOK, obj)
	}
}

func (res *resource[T, In]) handleDelete(w http.ResponseWriter, r *request) error {
	id, err := res.objectID(r)
	if err != nil {
		return err
	}
	if err := res.delete(r.data, r.Context(), id, res.precondition(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
