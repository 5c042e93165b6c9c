package source

import (
	"context"
	"errors"
	"io/fs"
	"os"
)

// FolderSideFiles are the AWS-side facts a logs folder holds beside its
// logs (cloudtrail-events.json, tunnel-maintenance.json, at its top), read
// again at each question: `vpnlens watch --logs-dir` follows a folder
// whose files change while it runs, and these files are small.
type FolderSideFiles struct {
	fsys fs.FS
	name string // the folder, as shown
}

// NewFolderSideFiles reads the side files of the folder dir.
func NewFolderSideFiles(dir string) *FolderSideFiles {
	return &FolderSideFiles{fsys: os.DirFS(dir), name: dir}
}

// present reports whether the folder has the file: a folder without it
// knows no changes (or maintenance), which is not an error.
func (f *FolderSideFiles) present(name string) bool {
	_, err := fs.Stat(f.fsys, name)
	return !errors.Is(err, fs.ErrNotExist)
}

// Changes implements ChangeHistory.
func (f *FolderSideFiles) Changes(_ context.Context, q ChangeQuery) (*ChangesResult, error) {
	if !f.present(ChangesFileName) {
		return changesAnswer(nil, false, nil, f.name, q)
	}
	cs, err := loadChanges(f.fsys, ChangesFileName, f.name+"/"+ChangesFileName)
	return changesAnswer(cs, err == nil, err, f.name, q)
}

// Maintenance implements TunnelMaintenance.
func (f *FolderSideFiles) Maintenance(_ context.Context, vpnConnectionID, tunnelIP string) (*Maintenance, error) {
	var m map[string]Maintenance
	var err error
	if f.present(MaintenanceFileName) {
		m, err = loadMaintenance(f.fsys, MaintenanceFileName, f.name+"/"+MaintenanceFileName)
	}
	return maintenanceAnswer(m, err, vpnConnectionID, tunnelIP)
}

var (
	_ ChangeHistory     = (*FolderSideFiles)(nil)
	_ TunnelMaintenance = (*FolderSideFiles)(nil)
)
