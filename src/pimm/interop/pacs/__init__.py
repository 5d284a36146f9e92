"""The PACS: a real Orthanc (``orthanc``: its configuration, its process, its REST client),
the follower of its ``/changes`` feed that moves exams to "images available" (``follow``), and
small generated DICOM studies for the tests and the demo (``studies``)."""
