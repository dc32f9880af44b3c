// HDF5 (serial, Debian libhdf5-dev), seen from Swift. Used by SwarmResults only.
#ifndef SWARMLAB_CHDF5_SHIM_H
#define SWARMLAB_CHDF5_SHIM_H
#include <hdf5.h>
// zlib (HDF5's own deflate): the results writer compresses chunks itself, in parallel.
#include <zlib.h>

// HDF5's predefined types and property-list classes are macros over globals that exist only
// after H5open(); Swift cannot import those macros, so each is wrapped here.
static inline hid_t swarm_h5t_native_double(void) { H5open(); return H5T_NATIVE_DOUBLE; }
static inline hid_t swarm_h5t_native_float(void)  { H5open(); return H5T_NATIVE_FLOAT; }
static inline hid_t swarm_h5t_native_int64(void)  { H5open(); return H5T_NATIVE_INT64; }
static inline hid_t swarm_h5t_native_uint64(void) { H5open(); return H5T_NATIVE_UINT64; }
static inline hid_t swarm_h5t_native_int32(void)  { H5open(); return H5T_NATIVE_INT32; }
static inline hid_t swarm_h5t_native_uint32(void) { H5open(); return H5T_NATIVE_UINT32; }
static inline hid_t swarm_h5t_native_uint8(void)  { H5open(); return H5T_NATIVE_UINT8; }
static inline hid_t swarm_h5t_native_uint16(void) { H5open(); return H5T_NATIVE_UINT16; }
static inline size_t swarm_h5t_variable(void)     { return H5T_VARIABLE; }
// Turns off HDF5's automatic error-stack printing (Swarmlab reports errors itself).
static inline void swarm_h5_quiet(void)           { H5open(); H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
static inline hid_t swarm_h5t_c_s1(void)          { H5open(); return H5T_C_S1; }
static inline hid_t swarm_h5p_dataset_create(void){ H5open(); return H5P_DATASET_CREATE; }
static inline hid_t swarm_h5p_file_access(void)   { H5open(); return H5P_FILE_ACCESS; }
static inline hid_t swarm_h5s_all(void)           { return H5S_ALL; }
static inline unsigned swarm_h5f_acc_trunc(void)  { return H5F_ACC_TRUNC; }
static inline unsigned swarm_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned swarm_h5f_acc_rdwr(void)   { return H5F_ACC_RDWR; }
// The number of attributes on an object (−1 on error).
static inline long long swarm_h5_num_attrs(hid_t object) {
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
    return (long long)info.num_attrs;
}
#endif
