package source

import (
	"context"
	"fmt"
	"io/fs"
)

// readChanges reads cloudtrail-events.json; a file that cannot be read or
// parsed is kept as the error questions about changes get.
func (l *Local) readChanges(fsys fs.FS, p, shown string) {
	cs, err := loadChanges(fsys, p, shown)
	if err != nil {
		l.changesErr = err
		return
	}
	l.changes, l.changesOK = cs, true
}

// loadChanges reads and parses a cloudtrail-events.json.
func loadChanges(fsys fs.FS, p, shown string) ([]Change, error) {
	b, rerr := readSideFile(fsys, p, shown, "read CloudTrail events")
	if rerr != nil {
		return nil, rerr
	}
	cs, err := ParseChangesFile(shown, b)
	if err != nil {
		return nil, &Error{Op: "read CloudTrail events", Cause: "BadChanges", Msg: err.Error() + "; write it as `aws cloudtrail lookup-events` prints it (Events with EventId, EventName, EventTime, Resources, CloudTrailEvent)", Err: err}
	}
	return cs, nil
}

// Changes implements ChangeHistory from the folder's cloudtrail-events.json;
// without one it answers with no changes and a note saying so.
func (l *Local) Changes(ctx context.Context, q ChangeQuery) (*ChangesResult, error) {
	// The side files are read by the walk, before the folder is indexed:
	// no need to wait for the index.
	l.mu.RLock()
	cs, ok, cerr := l.changes, l.changesOK, l.changesErr
	l.mu.RUnlock()
	return changesAnswer(cs, ok, cerr, l.name, q)
}

// changesAnswer answers q from a folder's changes: ok false when it has no
// cloudtrail-events.json, err when that file could not be read.
func changesAnswer(cs []Change, ok bool, err error, folder string, q ChangeQuery) (*ChangesResult, error) {
	if err != nil {
		return nil, err
	}
	res := &ChangesResult{Path: ChangesFileName}
	if !ok {
		res.Notes = append(res.Notes, fmt.Sprintf("no %s in %s: changes to the connection (CloudTrail) are not known", ChangesFileName, folder))
		return res, nil
	}
	res.Changes = FilterChanges(cs, q)
	return res, nil
}

var _ ChangeHistory = (*Local)(nil)
