"""DICOM for the modalities: C-ECHO, the Modality Worklist SCP (C-FIND) and the MPPS SCP
(N-CREATE/N-SET) with pynetdicom, and the dose of each performed exam compared with the national
reference levels (NRD). ``server`` is the transport; ``worklist`` and ``mpps`` the meaning."""
