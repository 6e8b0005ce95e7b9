import ArgumentParser
import FHIRServer
print("imis-fhir")
