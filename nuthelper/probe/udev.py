"""Serial ports and USB UPSes as udev sees them (pyudev), with the names that survive a reboot."""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import stat
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from nuthelper.patterns import lazy
from nuthelper.probe.locks import LockState, lock_states
from nuthelper.resources import data_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SERIAL_KERNEL_NAMES = lazy(r"^tty(S|USB|ACM|AMA|AMC|O|XRUSB|CH341USB|SC|MFD|HS|mxc|THS|PS)\d+$")
HID_POWER_USAGE_PAGES = (0x84, 0x85)  # "Power Device" and "Battery System"
NUT_USER = "nut"


@dataclass
class UsbInfo:
    """The USB device a port or UPS belongs to."""

    vendorid: str
    productid: str
    vendor: str | None
    product: str | None
    serial: str | None
    bus: str | None
    device_number: str | None
    sys_path: str


@dataclass
class Access:
    """Whether the NUT user could open a device node."""

    user: str
    can_open: bool | None  # None when the user does not exist here
    mode: str
    owner: str
    group: str
    reason: str


@dataclass
class SerialPort:
    """One serial port, its stable names, USB adapter details, holders and access for the nut user."""

    device: str
    kernel_name: str
    by_id: str | None
    by_path: str | None
    names_from: str  # "udev links" or "computed from udev properties" or "none"
    kernel_driver: str | None
    usb: UsbInfo | None
    access: Access | None
    lock: LockState = field(default_factory=LockState)

    @property
    def stable_name(self) -> str | None:
        return self.by_id or self.by_path

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["lock"] = self.lock.to_dict()
        data["stable_name"] = self.stable_name
        return data


@dataclass
class UsbUps:
    """A USB UPS and the ups.conf settings NUT would use for it."""

    usb: UsbInfo
    driver: str
    options: dict[str, str]
    alternatives: list[str]
    reason: str
    note: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def usb_id_table() -> dict[str, Any]:
    """The VID:PID -> driver table (nuthelper/data/usb-ids.json)."""
    return json.loads(data_path("usb-ids.json").read_text(encoding="utf-8"))


def _context(context: Any = None) -> Any:
    if context is not None:
        return context
    import pyudev
    return pyudev.Context()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    value = value.strip()
    return value or None


def _attr(device: Any, name: str) -> str | None:
    try:
        return _text(device.attributes.get(name))
    except (KeyError, OSError, UnicodeDecodeError):
        return None


def _usb_info(usb_device: Any) -> UsbInfo:
    props = usb_device.properties
    return UsbInfo(
        vendorid=(_attr(usb_device, "idVendor") or props.get("ID_VENDOR_ID") or "").lower(),
        productid=(_attr(usb_device, "idProduct") or props.get("ID_MODEL_ID") or "").lower(),
        vendor=_attr(usb_device, "manufacturer") or props.get("ID_VENDOR"),
        product=_attr(usb_device, "product") or props.get("ID_MODEL"),
        serial=_attr(usb_device, "serial") or props.get("ID_SERIAL_SHORT"),
        bus=props.get("BUSNUM") or _attr(usb_device, "busnum"),
        device_number=props.get("DEVNUM") or _attr(usb_device, "devnum"),
        sys_path=usb_device.sys_path,
    )


def _driver(device: Any) -> str | None:
    """The kernel driver bound to a device (its driver link, or DRIVER from the uevent)."""
    if device is None:
        return None
    return device.driver or device.properties.get("DRIVER")


def _is_placeholder_uart(device: Any) -> bool:
    """ttyS nodes the kernel creates for every possible 8250 slot have a platform parent only."""
    if not device.sys_name.startswith("ttyS"):
        return False
    parent = device.parent
    if parent is None or parent.subsystem == "platform":
        return True
    return _attr(device, "type") == "0"  # PORT_UNKNOWN: no UART behind it


def _links(device: Any) -> list[str]:
    links = list(device.device_links)
    links += (device.properties.get("DEVLINKS") or "").split()
    return list(dict.fromkeys(links))


def _udev_id_part(text: str) -> str:
    """udev's encoding of a USB string for ID_* values: blanks to '_', odd characters dropped."""
    text = re.sub(r"\s+", "_", text.strip())
    return re.sub(r"[^0-9A-Za-z#+\-.:=@_]", "", text)


def _computed_names(device: Any, usb_device: Any) -> tuple[str | None, str | None]:
    """The by-id and by-path names udev's 60-serial.rules would create, from properties and sysfs."""
    props = device.properties
    serial_parent = device.find_parent("usb-serial")
    port_number = _attr(serial_parent, "port_number") if serial_parent is not None else None
    suffix = f"-port{port_number}" if port_number is not None else ""
    interface = device.find_parent("usb", "usb_interface")
    bus = props.get("ID_BUS") or "usb"
    serial = props.get("ID_SERIAL")
    if not serial and usb_device is not None:
        parts = [_attr(usb_device, "manufacturer") or _attr(usb_device, "idVendor"),
                 _attr(usb_device, "product") or _attr(usb_device, "idProduct"),
                 _attr(usb_device, "serial")]
        serial = "_".join(_udev_id_part(p) for p in parts if p)
    interface_number = props.get("ID_USB_INTERFACE_NUM")
    if interface_number is None and interface is not None:
        interface_number = _attr(interface, "bInterfaceNumber")
    by_id = (f"/dev/serial/by-id/{bus}-{serial}-if{interface_number}{suffix}"
             if serial and interface_number else None)
    id_path = props.get("ID_PATH")
    if not id_path and interface is not None:
        pci = device.find_parent("pci")
        usb_port = interface.sys_name.split("-", 1)[-1]
        if pci is not None:
            id_path = f"pci-{pci.sys_name}-usb-0:{usb_port}"
    by_path = f"/dev/serial/by-path/{id_path}{suffix}" if id_path else None
    return by_id, by_path


def _stable_names(device: Any, usb_device: Any) -> tuple[str | None, str | None, str]:
    links = _links(device)
    by_id = next((link for link in links if link.startswith("/dev/serial/by-id/")), None)
    by_path = next((link for link in links if link.startswith("/dev/serial/by-path/")), None)
    if by_id or by_path:
        return by_id, by_path, "udev links"
    if usb_device is None:
        return None, None, "none"
    by_id, by_path = _computed_names(device, usb_device)
    return by_id, by_path, "computed from udev properties"


def nut_user_access(node: str, user: str = NUT_USER) -> Access | None:
    """Whether ``user`` may open ``node`` read-write, judged from mode, owner, group and membership."""
    try:
        st = os.stat(node)
    except OSError:
        return None
    mode = stat.filemode(st.st_mode)
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        return Access(user, None, mode, owner, group, f"there is no '{user}' user on this system")
    groups = {account.pw_gid} | {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}
    rw = stat.S_IRUSR | stat.S_IWUSR
    if account.pw_uid == 0:
        return Access(user, True, mode, owner, group, f"{user} is root")
    if st.st_uid == account.pw_uid and st.st_mode & rw == rw:
        return Access(user, True, mode, owner, group, f"{user} owns the device")
    if st.st_gid in groups and (st.st_mode >> 3) & 0o6 == 0o6:
        return Access(user, True, mode, owner, group, f"{user} is in group {group}, which may read and write")
    if (st.st_mode & 0o6) == 0o6:
        return Access(user, True, mode, owner, group, "everyone may read and write")
    if (st.st_mode >> 3) & 0o6 == 0o6:
        why = f"add {user} to group {group} (usermod -aG {group} {user}) or install a udev rule setting GROUP=\"nut\""
    else:
        why = "install a udev rule giving the nut group read-write access (GROUP=\"nut\", MODE=\"0660\")"
    return Access(user, False, mode, owner, group, f"{user} cannot open it: {why}")


def list_serial_ports(context: Any = None, with_locks: bool = True) -> list[SerialPort]:
    """Every real serial port (placeholder ttyS slots without a UART are left out)."""
    ports = []
    for device in _context(context).list_devices(subsystem="tty"):
        if not SERIAL_KERNEL_NAMES.match(device.sys_name) or _is_placeholder_uart(device):
            continue
        node = device.device_node or f"/dev/{device.sys_name}"
        usb_device = device.find_parent("usb", "usb_device")
        driver = _driver(device.find_parent("usb", "usb_interface") or device.parent)
        driver = driver or device.properties.get("ID_USB_DRIVER")
        by_id, by_path, names_from = _stable_names(device, usb_device)
        ports.append(SerialPort(
            device=node,
            kernel_name=device.sys_name,
            by_id=by_id,
            by_path=by_path,
            names_from=names_from,
            kernel_driver=driver,
            usb=_usb_info(usb_device) if usb_device is not None else None,
            access=nut_user_access(node),
        ))
    if with_locks:
        for port, state in zip(ports, lock_states([port.device for port in ports])):
            port.lock = state
    return sorted(ports, key=lambda p: (not p.kernel_name.startswith("ttyS"), p.kernel_name))


def _hid_power_device(usb_device: Any) -> bool:
    """True when one of the device's HID interfaces declares the Power Device or Battery usage page."""
    for hid in usb_device.children:  # every descendant: keep the HID nodes of this very device
        if hid.subsystem != "hid":
            continue
        owner = hid.find_parent("usb", "usb_device")
        if owner is None or owner.sys_path != usb_device.sys_path:
            continue
        try:
            descriptor = hid.attributes.get("report_descriptor") or b""
        except (KeyError, OSError):
            descriptor = b""
        for index in range(len(descriptor) - 1):
            if descriptor[index] == 0x05 and descriptor[index + 1] in HID_POWER_USAGE_PAGES:
                return True
            if (descriptor[index] == 0x06 and index + 2 < len(descriptor)
                    and descriptor[index + 2] == 0x00 and descriptor[index + 1] in HID_POWER_USAGE_PAGES):
                return True
    return False


def known_usb_ups(info: UsbInfo, table: dict[str, Any]) -> UsbUps | None:
    """The UPS a device is by its USB ID alone (nuthelper/data/usb-ids.json), None for an unknown ID."""
    matches = [entry for entry in table["devices"]
               if entry["vendorid"] == info.vendorid and entry["productid"] == info.productid]
    if not matches:
        return None
    entry = matches[0]
    alternatives = [e["driver"] for e in matches[1:]] + entry.get("alternatives", [])
    return UsbUps(info, entry["driver"], {}, list(dict.fromkeys(alternatives)),
                  f"USB ID {info.vendorid}:{info.productid} ({entry['vendor']}) is handled by {entry['driver']}",
                  entry.get("note"))


def _match_usb(info: UsbInfo, usb_device: Any, table: dict[str, Any]) -> UsbUps | None:
    known = known_usb_ups(info, table)
    if known is not None:
        return known
    if _hid_power_device(usb_device):
        driver = table["hid_power_device_driver"]
        return UsbUps(info, driver, {}, [],
                      f"USB ID {info.vendorid}:{info.productid} is a HID power device, which {driver} reads")
    return None


def list_usb_upses(context: Any = None, table: dict[str, Any] | None = None) -> list[UsbUps]:
    """USB UPSes with the driver and options (port, vendorid, productid, serial if needed) NUT uses."""
    table = table or usb_id_table()
    found = []
    for usb_device in _context(context).list_devices(subsystem="usb", DEVTYPE="usb_device"):
        info = _usb_info(usb_device)
        ups = _match_usb(info, usb_device, table)
        if ups is not None:
            found.append(ups)
    same_model = Counter((u.usb.vendorid, u.usb.productid) for u in found)
    serial_counts = Counter((u.usb.vendorid, u.usb.productid, u.usb.serial) for u in found)

    def unique_serial(ups: UsbUps) -> bool:
        return bool(ups.usb.serial) and serial_counts[(ups.usb.vendorid, ups.usb.productid, ups.usb.serial)] == 1

    alike = Counter((u.usb.vendorid, u.usb.productid, _number(u.usb.bus)) for u in found if not unique_serial(u))
    for ups in found:
        ups.options = {"port": "auto", "vendorid": ups.usb.vendorid, "productid": ups.usb.productid}
        if same_model[(ups.usb.vendorid, ups.usb.productid)] == 1:
            continue
        if unique_serial(ups):
            ups.options["serial"] = ups.usb.serial
            continue
        bus = _number(ups.usb.bus)
        ups.options["bus"] = bus
        told_by = "USB bus"
        if alike[(ups.usb.vendorid, ups.usb.productid, bus)] > 1:
            ups.options["device"] = _number(ups.usb.device_number)
            told_by = "USB bus and device number"
        ups.warnings.append(f"identical units without distinct serial numbers: told apart by {told_by} only, "
                            "which can change when the unit is plugged elsewhere, re-plugged or the machine "
                            "restarts; run nut-helper again after such a change")
    return sorted(found, key=lambda u: (u.usb.bus or "", u.usb.device_number or ""))


def _number(value: str | None) -> str:
    """A USB bus or device number as NUT matches it: three digits with leading zeroes ("001")."""
    return f"{int(value):03d}" if value and value.isdigit() else (value or "")
