package admin

import (
	"net/http"

	"github.com/flowtrack/flowtrack"
)

// recentActions is how many log entries the dashboard shows.
const recentActions = 10

// dashboardView is what dashboard.html shows.
type dashboardView struct {
	Counts   *flowtrack.AdminCounts
	Statuses []statusCount
	Recent   [][]cell
}

type statusCount struct {
	Status string
	Count  int64
	URL    string
}

// handleDashboard shows the totals and the latest actions.
func (p *Panel) handleDashboard(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	counts, err := p.store.AdminCounts(ctx, today())
	if err != nil {
		return err
	}
	v := &dashboardView{Counts: counts}
	for _, st := range flowtrack.TaskStatuses {
		v.Statuses = append(v.Statuses, statusCount{st, counts.TasksByStatus[st], "/admin/tasks/?status=" + st})
	}
	recent, _, err := p.store.AdminLogList(ctx, flowtrack.AdminQuery{Limit: recentActions, NoCount: true})
	if err != nil {
		return err
	}
	for _, e := range recent {
		v.Recent = append(v.Recent, logCells(e))
	}
	return p.render(w, r, s, http.StatusOK, "dashboard", "Dashboard", v)
}
