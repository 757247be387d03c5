package api

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/flowtrack/flowtrack"
)

// statsBody is the body of /api/projects/{id}/stats/, keys in the order
// of api.md and of the choices.
type statsBody struct {
	Workflows int64     `json:"workflows"`
	Tasks     taskStats `json:"tasks"`
}

type taskStats struct {
	Total      int64      `json:"total"`
	ByStatus   orderedMap `json:"by_status"`
	ByPriority orderedMap `json:"by_priority"`
	Overdue    int64      `json:"overdue"`
}

// orderedMap writes counts in the order of its keys.
type orderedMap struct {
	keys   []string
	counts map[string]int64
}

func (m orderedMap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(k) + ":" + strconv.FormatInt(m.counts[k], 10))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// handleProjectStats answers a project's counts (beyond DRF).
func handleProjectStats(w http.ResponseWriter, r *request) error {
	id, err := projects.objectID(r)
	if err != nil {
		return err
	}
	st, err := r.data.ProjectStats(r.Context(), id, today())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, statsBody{Workflows: st.Workflows, Tasks: taskStats{
		Total:      st.Tasks,
		ByStatus:   orderedMap{flowtrack.TaskStatuses, st.ByStatus},
		ByPriority: orderedMap{flowtrack.TaskPriorities, st.ByPriority},
		Overdue:    st.Overdue,
	}})
	return nil
}
