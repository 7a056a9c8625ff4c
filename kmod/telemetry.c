// SPDX-License-Identifier: GPL-2.0-only
/*
 * Telemetry: hwmon (temperature, core voltage, current, power, each with
 * its limit where the device has one) on the PCI device, and tt_*
 * attributes on /sys/class/tenstorrent/tenstorrent!N. Values come from the
 * class (the model: its register page). A sensor the device lacks is
 * hidden.
 */
#include <linux/hwmon.h>
#include <linux/sysfs.h>

#include "device.h"

int tt_read_sensor(struct tt_device *tt, enum tt_sensor s, u64 *val)
{
	int ret;

	if (!tt->cls->read_sensor)
		return -ENODATA;
	down_read(&tt->reset_rwsem);
	if (tt->detached)
		ret = -ENODEV;
	else if (tt->needs_post_reset)
		ret = -ENODATA;
	else
		ret = tt->cls->read_sensor(tt, s, val);
	up_read(&tt->reset_rwsem);
	return ret;
}

/* hwmon channel attribute -> sensor; -1 when there is none. */
static int tt_hwmon_sensor(enum hwmon_sensor_types type, u32 attr)
{
	switch (type) {
	case hwmon_temp:
		return attr == hwmon_temp_input ? TT_SENSOR_TEMP :
		       attr == hwmon_temp_max ? TT_SENSOR_TEMP_MAX : -1;
	case hwmon_in:
		return attr == hwmon_in_input ? TT_SENSOR_VCORE :
		       attr == hwmon_in_max ? TT_SENSOR_VCORE_MAX : -1;
	case hwmon_curr:
		return attr == hwmon_curr_input ? TT_SENSOR_CURRENT :
		       attr == hwmon_curr_max ? TT_SENSOR_CURRENT_MAX : -1;
	case hwmon_power:
		return attr == hwmon_power_input ? TT_SENSOR_POWER :
		       attr == hwmon_power_max ? TT_SENSOR_POWER_MAX : -1;
	default:
		return -1;
	}
}

static umode_t tt_hwmon_visible(const void *data, enum hwmon_sensor_types type, u32 attr,
				int channel)
{
	struct tt_device *tt = (struct tt_device *)data;
	int s = tt_hwmon_sensor(type, attr);
	u64 v;

	if (s < 0)
		return (type == hwmon_temp && attr == hwmon_temp_label) ||
		       (type == hwmon_in && attr == hwmon_in_label) ||
		       (type == hwmon_curr && attr == hwmon_curr_label) ||
		       (type == hwmon_power && attr == hwmon_power_label) ? 0444 : 0;
	return tt->cls->read_sensor && !tt->cls->read_sensor(tt, s, &v) ? 0444 : 0;
}

static int tt_hwmon_read(struct device *dev, enum hwmon_sensor_types type, u32 attr,
			 int channel, long *val)
{
	struct tt_device *tt = dev_get_drvdata(dev);
	int s = tt_hwmon_sensor(type, attr);
	u64 v;
	int ret;

	if (s < 0)
		return -EOPNOTSUPP;
	ret = tt_read_sensor(tt, s, &v);
	if (ret)
		return ret;
	*val = (long)v;
	return 0;
}

static int tt_hwmon_read_string(struct device *dev, enum hwmon_sensor_types type, u32 attr,
				int channel, const char **str)
{
	switch (type) {
	case hwmon_temp:
		*str = "asic_temp";
		return 0;
	case hwmon_in:
		*str = "vcore";
		return 0;
	case hwmon_curr:
		*str = "current";
		return 0;
	case hwmon_power:
		*str = "power";
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static const struct hwmon_ops tt_hwmon_ops = {
	.is_visible = tt_hwmon_visible,
	.read = tt_hwmon_read,
	.read_string = tt_hwmon_read_string,
};

static const struct hwmon_channel_info *tt_hwmon_info[] = {
	HWMON_CHANNEL_INFO(temp, HWMON_T_INPUT | HWMON_T_MAX | HWMON_T_LABEL),
	HWMON_CHANNEL_INFO(in, HWMON_I_INPUT | HWMON_I_MAX | HWMON_I_LABEL),
	HWMON_CHANNEL_INFO(curr, HWMON_C_INPUT | HWMON_C_MAX | HWMON_C_LABEL),
	HWMON_CHANNEL_INFO(power, HWMON_P_INPUT | HWMON_P_MAX | HWMON_P_LABEL),
	NULL
};

static const struct hwmon_chip_info tt_hwmon_chip = {
	.ops = &tt_hwmon_ops,
	.info = tt_hwmon_info,
};

int tt_telemetry_init(struct tt_device *tt)
{
	struct device *hw;

	if (!tt->cls->read_sensor || !tt->cls->hwmon_name)
		return 0;
	hw = hwmon_device_register_with_info(&tt->pdev->dev, tt->cls->hwmon_name, tt,
					     &tt_hwmon_chip, NULL);
	if (IS_ERR(hw))
		return PTR_ERR(hw);
	tt->hwmon = hw;
	return 0;
}

void tt_telemetry_fini(struct tt_device *tt)
{
	if (tt->hwmon)
		hwmon_device_unregister(tt->hwmon);
	tt->hwmon = NULL;
}

/* ---- tt_* attributes of the class device ---------------------------- */

static ssize_t tt_show_sensor(struct device *dev, char *buf, enum tt_sensor s, const char *fmt)
{
	struct tt_device *tt = dev_get_drvdata(dev);
	u64 v;
	int ret = tt_read_sensor(tt, s, &v);

	if (ret)
		return ret;
	return sysfs_emit(buf, fmt, v);
}

static ssize_t tt_aiclk_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return tt_show_sensor(dev, buf, TT_SENSOR_AICLK, "%llu\n");
}
static DEVICE_ATTR_RO(tt_aiclk);

static ssize_t tt_aiclk_max_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return tt_show_sensor(dev, buf, TT_SENSOR_AICLK_MAX, "%llu\n");
}
static DEVICE_ATTR_RO(tt_aiclk_max);

static ssize_t tt_heartbeat_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return tt_show_sensor(dev, buf, TT_SENSOR_HEARTBEAT, "%llu\n");
}
static DEVICE_ATTR_RO(tt_heartbeat);

static ssize_t tt_serial_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return tt_show_sensor(dev, buf, TT_SENSOR_BOARD_ID, "%016llx\n");
}
static DEVICE_ATTR_RO(tt_serial);

static ssize_t tt_dram_status_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return tt_show_sensor(dev, buf, TT_SENSOR_DRAM_STATUS, "0x%llx\n");
}
static DEVICE_ATTR_RO(tt_dram_status);

static ssize_t tt_fw_bundle_ver_show(struct device *dev, struct device_attribute *attr,
				     char *buf)
{
	struct tt_device *tt = dev_get_drvdata(dev);
	u64 v;
	int ret = tt_read_sensor(tt, TT_SENSOR_FW_VERSION, &v);

	if (ret)
		return ret;
	return sysfs_emit(buf, "%llu.%llu.%llu.%llu\n", (v >> 24) & 0xff, (v >> 16) & 0xff,
			  (v >> 8) & 0xff, v & 0xff);
}
static DEVICE_ATTR_RO(tt_fw_bundle_ver);

static ssize_t tt_card_type_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct tt_device *tt = dev_get_drvdata(dev);
	const char *type = tt->cls->card_type ? tt->cls->card_type(tt) : NULL;

	if (!type)
		return -ENODATA;
	return sysfs_emit(buf, "%s\n", type);
}
static DEVICE_ATTR_RO(tt_card_type);

static ssize_t tt_reset_generation_show(struct device *dev, struct device_attribute *attr,
					char *buf)
{
	struct tt_device *tt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu\n", READ_ONCE(tt->reset_gen));
}
static DEVICE_ATTR_RO(tt_reset_generation);

static struct attribute *tt_dev_attrs[] = {
	&dev_attr_tt_aiclk.attr,
	&dev_attr_tt_aiclk_max.attr,
	&dev_attr_tt_heartbeat.attr,
	&dev_attr_tt_serial.attr,
	&dev_attr_tt_dram_status.attr,
	&dev_attr_tt_fw_bundle_ver.attr,
	&dev_attr_tt_card_type.attr,
	&dev_attr_tt_reset_generation.attr,
	NULL
};

static const enum tt_sensor tt_attr_sensor[] = {
	TT_SENSOR_AICLK, TT_SENSOR_AICLK_MAX, TT_SENSOR_HEARTBEAT, TT_SENSOR_BOARD_ID,
	TT_SENSOR_DRAM_STATUS, TT_SENSOR_FW_VERSION,
};

/* Attributes whose sensor the device lacks are hidden. */
static umode_t tt_attr_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	struct tt_device *tt = dev_get_drvdata(kobj_to_dev(kobj));
	u64 v;

	if (n < ARRAY_SIZE(tt_attr_sensor))
		return tt->cls->read_sensor && !tt->cls->read_sensor(tt, tt_attr_sensor[n], &v) ?
		       attr->mode : 0;
	if (attr == &dev_attr_tt_card_type.attr)
		return tt->cls->card_type && tt->cls->card_type(tt) ? attr->mode : 0;
	return attr->mode;
}

static const struct attribute_group tt_dev_group = {
	.attrs = tt_dev_attrs,
	.is_visible = tt_attr_visible,
};

const struct attribute_group *tt_dev_groups[] = {
	&tt_dev_group,
	NULL
};
