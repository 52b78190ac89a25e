// Command eksa-vcsim runs VMware's vCenter simulator (govmomi/simulator) on 127.0.0.1 for the
// eksa vSphere provider tests. Built from the govmomi Go module by build.sh beside it.
//
// The inventory is the simulator's VPX model sized by flags; an optional JSON inventory file
// (-inventory) adds folders, VMs, templates (disks, snapshot), tags and their attachments,
// datastore capacity, resource pool memory limits and missing privileges.
//
// On start it prints one JSON line on stdout:
//
//	{"url": "...", "login_url": "http://user:pass@...", "username": "...", "password": "...",
//	 "thumbprint": "...", "tags": {"os:ubuntu": "urn:..."}}
//
// and then serves until stdin is closed or it receives SIGTERM / SIGINT.
package main

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vapi/rest"
	_ "github.com/vmware/govmomi/vapi/simulator" // registers the vAPI (tagging REST) endpoint
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const gib = int64(1024 * 1024 * 1024)

// machine describes a VM or template to create.
type machine struct {
	Name     string   `json:"name"`
	Folder   string   `json:"folder"`    // inventory path of the folder, default /<dc>/vm
	Pool     string   `json:"pool"`      // inventory path of the resource pool, default the first cluster's root pool
	Store    string   `json:"datastore"` // datastore name, default LocalDS_0
	DisksGiB []int64  `json:"disks_gib"` // one virtual disk per entry
	MemoryMB int32    `json:"memory_mib"`
	Template bool     `json:"template"`
	Snapshot bool     `json:"snapshot"`
	PowerOn  bool     `json:"power_on"`
	Tags     []string `json:"tags"` // tag names, "<category>:<value>" creates category "<category>" when needed
}

// tagSpec is a tag to create, optionally attached to nothing.
type tagSpec struct {
	Category string `json:"category"`
	Name     string `json:"name"`
}

type datastoreSpec struct {
	Name        string `json:"name"`
	FreeGiB     int64  `json:"free_gib"`
	CapacityGiB int64  `json:"capacity_gib"`
}

type poolSpec struct {
	Path           string `json:"path"`
	MemoryLimitMiB int64  `json:"memory_limit_mib"` // -1 = unlimited
	MemoryUsageMiB int64  `json:"memory_usage_mib"`
}

// inventory is the optional JSON inventory file.
type inventory struct {
	Folders           []string        `json:"folders"`
	Machines          []machine       `json:"machines"`
	Tags              []tagSpec       `json:"tags"`
	Datastores        []datastoreSpec `json:"datastores"`
	Pools             []poolSpec      `json:"pools"`
	MissingPrivileges []string        `json:"missing_privileges"`
}

// authz wraps the simulator's AuthorizationManager, which grants everything, so that a test can
// take privileges away from the logged-in user.
type authz struct {
	*simulator.AuthorizationManager
	missing map[string]bool
}

func (a *authz) filter(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !a.missing[id] {
			out = append(out, id)
		}
	}
	return out
}

// FetchUserPrivilegeOnEntities returns the Admin role's privileges less the missing ones.
func (a *authz) FetchUserPrivilegeOnEntities(req *types.FetchUserPrivilegeOnEntities) soap.HasFault {
	admin := object.AuthorizationRoleList(a.RoleList).ByName("Admin").Privilege
	var res []types.UserPrivilegeResult
	for _, e := range req.Entities {
		res = append(res, types.UserPrivilegeResult{Entity: e, Privileges: a.filter(admin)})
	}
	return &methods.FetchUserPrivilegeOnEntitiesBody{
		Res: &types.FetchUserPrivilegeOnEntitiesResponse{Returnval: res},
	}
}

// HasPrivilegeOnEntities reports missing privileges as not granted.
func (a *authz) HasPrivilegeOnEntities(req *types.HasPrivilegeOnEntities) soap.HasFault {
	var res []types.EntityPrivilege
	for _, e := range req.Entity {
		p := types.EntityPrivilege{Entity: e}
		for _, id := range req.PrivId {
			p.PrivAvailability = append(p.PrivAvailability, types.PrivilegeAvailability{
				PrivId: id, IsGranted: !a.missing[id],
			})
		}
		res = append(res, p)
	}
	return &methods.HasPrivilegeOnEntitiesBody{
		Res: &types.HasPrivilegeOnEntitiesResponse{Returnval: res},
	}
}

type builder struct {
	model   *simulator.Model
	ctx     context.Context
	client  *vim25.Client
	finder  *find.Finder
	tags    *tags.Manager
	dc      string
	dcPath  string
	tagIDs  map[string]string
	catIDs  map[string]string
	created bool
}

func (b *builder) folder(p string) (*object.Folder, error) {
	if p == "" {
		p = b.dcPath + "/vm"
	}
	if f, err := b.finder.Folder(b.ctx, p); err == nil {
		return f, nil
	}
	parent, err := b.folder(path.Dir(p))
	if err != nil {
		return nil, err
	}
	return parent.CreateFolder(b.ctx, path.Base(p))
}

func (b *builder) tag(name, category string) (string, error) {
	if id, ok := b.tagIDs[name]; ok {
		return id, nil
	}
	if category == "" {
		category = name
		if i := strings.Index(name, ":"); i > 0 {
			category = name[:i]
		}
	}
	catID, ok := b.catIDs[category]
	if !ok {
		var err error
		catID, err = b.tags.CreateCategory(b.ctx, &tags.Category{
			Name: category, Cardinality: "MULTIPLE", AssociableTypes: []string{"VirtualMachine"},
		})
		if err != nil {
			return "", err
		}
		b.catIDs[category] = catID
	}
	id, err := b.tags.CreateTag(b.ctx, &tags.Tag{Name: name, CategoryID: catID})
	if err != nil {
		return "", err
	}
	b.tagIDs[name] = id
	return id, nil
}

func (b *builder) machine(m machine) error {
	folder, err := b.folder(m.Folder)
	if err != nil {
		return fmt.Errorf("folder %s: %w", m.Folder, err)
	}
	var pool *object.ResourcePool
	if m.Pool != "" {
		if pool, err = b.finder.ResourcePool(b.ctx, m.Pool); err != nil {
			return fmt.Errorf("pool %s: %w", m.Pool, err)
		}
	} else {
		// the first cluster's root pool, wherever the model put the cluster (host folders with -folder)
		pools, err := b.finder.ResourcePoolList(b.ctx, b.dcPath+"/host/...")
		if err != nil {
			return err
		}
		for _, p := range pools {
			if strings.HasSuffix(p.InventoryPath, "/"+b.dc+"_C0/Resources") {
				pool = p
				break
			}
		}
		if pool == nil {
			return fmt.Errorf("no root resource pool of cluster %s_C0", b.dc)
		}
	}
	store := m.Store
	if store == "" {
		store = "LocalDS_0"
	}
	mem := m.MemoryMB
	if mem == 0 {
		mem = 32
	}
	spec := types.VirtualMachineConfigSpec{
		Name:     m.Name,
		GuestId:  string(types.VirtualMachineGuestOsIdentifierOtherGuest),
		MemoryMB: int64(mem),
		NumCPUs:  1,
		Files:    &types.VirtualMachineFileInfo{VmPathName: "[" + store + "]"},
	}
	var devices object.VirtualDeviceList
	scsi, err := devices.CreateSCSIController("pvscsi")
	if err != nil {
		return err
	}
	devices = append(devices, scsi)
	for i, size := range m.DisksGiB {
		disk := devices.CreateDisk(scsi.(types.BaseVirtualController), types.ManagedObjectReference{},
			fmt.Sprintf("[%s] %s/disk%d.vmdk", store, m.Name, i+1))
		disk.CapacityInKB = size * 1024 * 1024
		devices = append(devices, disk)
	}
	spec.DeviceChange, err = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd)
	if err != nil {
		return err
	}
	task, err := folder.CreateVM(b.ctx, spec, pool, nil)
	if err != nil {
		return err
	}
	info, err := task.WaitForResult(b.ctx, nil)
	if err != nil {
		return fmt.Errorf("create %s: %w", m.Name, err)
	}
	vm := object.NewVirtualMachine(b.client, info.Result.(types.ManagedObjectReference))
	if m.Snapshot {
		t, err := vm.CreateSnapshot(b.ctx, "root", "", false, false)
		if err != nil {
			return err
		}
		if err := t.Wait(b.ctx); err != nil {
			return err
		}
	}
	if m.Template {
		if err := vm.MarkAsTemplate(b.ctx); err != nil {
			return err
		}
	} else if m.PowerOn {
		t, err := vm.PowerOn(b.ctx)
		if err != nil {
			return err
		}
		if err := t.Wait(b.ctx); err != nil {
			return err
		}
	}
	for _, name := range m.Tags {
		id, err := b.tag(name, "")
		if err != nil {
			return err
		}
		if err := b.tags.AttachTag(b.ctx, id, vm.Reference()); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) apply(inv *inventory) error {
	for _, f := range inv.Folders {
		if _, err := b.folder(f); err != nil {
			return fmt.Errorf("folder %s: %w", f, err)
		}
	}
	for _, t := range inv.Tags {
		if _, err := b.tag(t.Name, t.Category); err != nil {
			return err
		}
	}
	for _, m := range inv.Machines {
		if err := b.machine(m); err != nil {
			return err
		}
	}
	// Capacity is set last: creating disks above consumes simulated datastore space.
	for _, d := range inv.Datastores {
		ds, err := b.finder.Datastore(b.ctx, d.Name)
		if err != nil {
			return fmt.Errorf("datastore %s: %w", d.Name, err)
		}
		obj := b.model.Map().Get(ds.Reference()).(*simulator.Datastore)
		obj.Summary.FreeSpace = d.FreeGiB * gib
		obj.Info.GetDatastoreInfo().FreeSpace = d.FreeGiB * gib
		if d.CapacityGiB > 0 {
			obj.Summary.Capacity = d.CapacityGiB * gib
		}
	}
	for _, p := range inv.Pools {
		rp, err := b.finder.ResourcePool(b.ctx, p.Path)
		if err != nil {
			return fmt.Errorf("pool %s: %w", p.Path, err)
		}
		obj := b.model.Map().Get(rp.Reference()).(*simulator.ResourcePool)
		limit := p.MemoryLimitMiB
		obj.Config.MemoryAllocation.Limit = &limit
		obj.Runtime.Memory.OverallUsage = p.MemoryUsageMiB * 1024 * 1024
	}
	if len(inv.MissingPrivileges) > 0 {
		ref := b.model.Map().Get(*b.client.ServiceContent.AuthorizationManager)
		missing := map[string]bool{}
		for _, id := range inv.MissingPrivileges {
			missing[id] = true
		}
		b.model.Map().Put(&authz{AuthorizationManager: ref.(*simulator.AuthorizationManager), missing: missing})
	}
	return nil
}

// output is the JSON line printed on stdout once the server is ready.
type output struct {
	URL        string            `json:"url"`
	LoginURL   string            `json:"login_url"`
	Username   string            `json:"username"`
	Password   string            `json:"password"`
	Thumbprint string            `json:"thumbprint,omitempty"`
	Tags       map[string]string `json:"tags"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("eksa-vcsim: ")
	model := simulator.VPX()
	flag.IntVar(&model.Datacenter, "dc", model.Datacenter, "number of datacenters")
	flag.IntVar(&model.Cluster, "cluster", model.Cluster, "clusters per datacenter")
	flag.IntVar(&model.ClusterHost, "host", model.ClusterHost, "hosts per cluster")
	flag.IntVar(&model.Host, "standalone-host", model.Host, "standalone hosts per datacenter")
	flag.IntVar(&model.Pool, "pool", model.Pool, "child resource pools per cluster")
	flag.IntVar(&model.Folder, "folder", model.Folder, "datacenters placed in folders")
	flag.IntVar(&model.Datastore, "ds", model.Datastore, "datastores")
	flag.IntVar(&model.Portgroup, "pg", model.Portgroup, "distributed portgroups per datacenter")
	flag.IntVar(&model.Machine, "vm", model.Machine, "VMs per resource pool")
	username := flag.String("username", "user", "the only accepted user name")
	password := flag.String("password", "pass", "the only accepted password")
	useTLS := flag.Bool("tls", false, "serve https with a self-signed certificate")
	invFile := flag.String("inventory", "", "JSON inventory file (folders, machines, tags, datastores, pools)")
	flag.Parse()

	inv := &inventory{}
	if *invFile != "" {
		data, err := os.ReadFile(*invFile)
		if err != nil {
			log.Fatal(err)
		}
		if err := json.Unmarshal(data, inv); err != nil {
			log.Fatalf("%s: %v", *invFile, err)
		}
	}

	model.Autostart = false
	defer model.Remove()
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	model.Service.RegisterEndpoints = true
	model.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(*username, *password)}
	if *useTLS {
		model.Service.TLS = new(tls.Config)
	}
	server := model.Service.NewServer()
	defer server.Close()

	ctx := context.Background()
	// In-process client used only to shape the inventory; it logs in like any client would.
	vc, err := vim25.NewClient(ctx, soapClient(server))
	if err != nil {
		log.Fatal(err)
	}
	if err := loginSOAP(ctx, vc, server.URL.User); err != nil {
		log.Fatal(err)
	}
	rc := rest.NewClient(vc)
	if err := rc.Login(ctx, server.URL.User); err != nil {
		log.Fatal(err)
	}
	b := &builder{
		model: model, ctx: ctx, client: vc, finder: find.NewFinder(vc, false), tags: tags.NewManager(rc),
		dc: "DC0", dcPath: "/DC0", tagIDs: map[string]string{}, catIDs: map[string]string{},
	}
	// The first datacenter (DC0) is where machines go by default; it sits in a folder with -folder.
	if dcs, err := b.finder.DatacenterList(ctx, "/..."); err == nil {
		for _, dc := range dcs {
			if dc.Name() == b.dc {
				b.dcPath = dc.InventoryPath
				b.finder.SetDatacenter(dc)
				break
			}
		}
	}
	if err := b.apply(inv); err != nil {
		log.Fatal(err)
	}
	_ = rc.Logout(ctx)

	out := output{URL: strings.Replace(server.URL.String(), server.URL.User.String()+"@", "", 1),
		LoginURL: server.URL.String(), Username: *username, Password: *password, Tags: b.tagIDs}
	if *useTLS {
		out.Thumbprint = thumbprint(server.Certificate().Raw)
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))

	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		done <- struct{}{}
	}()
	<-done
}

// thumbprint is the colon separated upper-case SHA-1 fingerprint of a DER certificate, as vCenter shows it.
func thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	parts := make([]string, len(sum))
	for i, c := range sum {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":")
}

// soapClient returns a SOAP client for the server, trusting its self-signed certificate.
func soapClient(server *simulator.Server) *soap.Client {
	u := *server.URL
	u.User = nil
	return soap.NewClient(&u, true)
}

// loginSOAP logs the in-process client in with the simulator's credentials.
func loginSOAP(ctx context.Context, c *vim25.Client, user *url.Userinfo) error {
	pass, _ := user.Password()
	_, err := methods.Login(ctx, c, &types.Login{
		This: *c.ServiceContent.SessionManager, UserName: user.Username(), Password: pass,
	})
	return err
}

var _ mo.Reference = (*authz)(nil)
