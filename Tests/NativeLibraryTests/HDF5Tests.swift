import Testing
import CHDF5
import Foundation

@Suite("HDF5")
struct HDF5Tests {
    @Test("a dataset written, closed, reopened and read back is unchanged")
    func roundTrip() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("swarmlab-hdf5-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let values: [Double] = (0..<1000).map { Double($0) * 0.5 - 17 }

        let file = H5Fcreate(path, swarm_h5f_acc_trunc(), 0, 0)
        #expect(file >= 0)
        var dims: [hsize_t] = [hsize_t(values.count)]
        let space = H5Screate_simple(1, &dims, nil)
        let dataset = H5Dcreate2(file, "values", swarm_h5t_native_double(), space, 0, 0, 0)
        #expect(dataset >= 0)
        #expect(H5Dwrite(dataset, swarm_h5t_native_double(), swarm_h5s_all(), swarm_h5s_all(), 0, values) >= 0)
        #expect(H5Dclose(dataset) >= 0 && H5Sclose(space) >= 0 && H5Fclose(file) >= 0)

        let reopened = H5Fopen(path, swarm_h5f_acc_rdonly(), 0)
        #expect(reopened >= 0)
        let ds = H5Dopen2(reopened, "values", 0)
        let readSpace = H5Dget_space(ds)
        var readDims: [hsize_t] = [0]
        #expect(H5Sget_simple_extent_dims(readSpace, &readDims, nil) == 1)
        #expect(readDims[0] == hsize_t(values.count))
        var back = [Double](repeating: .nan, count: values.count)
        #expect(H5Dread(ds, swarm_h5t_native_double(), swarm_h5s_all(), swarm_h5s_all(), 0, &back) >= 0)
        H5Sclose(readSpace); H5Dclose(ds); H5Fclose(reopened)
        #expect(back == values)
    }
}
