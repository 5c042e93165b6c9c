package source

import (
	"context"
	"fmt"
	"io/fs"
)

// readChanges reads cloudtrail-events.json; a file that cannot be read or
// parsed is kept as the error questions about changes get.
func (l *Local) readChanges(fsys fs.FS, p, shown string) {
	b, rerr := readSideFile(fsys, p, shown, "read CloudTrail events")
	if rerr != nil {
		l.changesErr = rerr
		return
	}
	cs, err := ParseChangesFile(shown, b)
	if err != nil {
		l.changesErr = &Error{Op: "read CloudTrail events", Cause: "BadChanges", Msg: err.Error() + "; write it as `aws cloudtrail lookup-events` prints it (Events with EventId, EventName, EventTime, Resources, CloudTrailEvent)", Err: err}
		return
	}
	l.changes, l.changesOK = cs, true
}

// Changes implements ChangeHistory from the folder's cloudtrail-events.json;
// without one it answers with no changes and a note saying so.
func (l *Local) Changes(ctx context.Context, q ChangeQuery) (*ChangesResult, error) {
	// The side files are read by the walk, before the folder is indexed:
	// no need to wait for the index.
	l.mu.RLock()
	cs, ok, cerr := l.changes, l.changesOK, l.changesErr
	l.mu.RUnlock()
	if cerr != nil {
		return nil, cerr
	}
	res := &ChangesResult{Path: ChangesFileName}
	if !ok {
		res.Notes = append(res.Notes, fmt.Sprintf("no %s in %s: changes to the connection (CloudTrail) are not known", ChangesFileName, l.name))
		return res, nil
	}
	res.Changes = FilterChanges(cs, q)
	return res, nil
}

var _ ChangeHistory = (*Local)(nil)
