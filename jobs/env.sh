# Environment for running jointfact under MPI on this kind of machine and on clusters (sourced by the
# demo, the test command and the job scripts). Safe to source twice.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}    # one BLAS thread per MPI rank
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export HDF5_USE_FILE_LOCKING=${HDF5_USE_FILE_LOCKING:-FALSE}  # parallel file systems reject HDF5's locks
export OMPI_MCA_io=${OMPI_MCA_io:-romio321}                # OMPIO collective writes can hang with HDF5 (OpenMPI 4.1)
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}  # be polite when oversubscribed
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}  # containers
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
