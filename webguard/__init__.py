"""Guards shared by the bridge's and HQ's HTTP servers: bounded request bodies, errors as JSON,
strings the databases cannot store.

bridge/ and hq/ may not import each other, so what both serve the same way lives here; this
package imports neither of them (nor kiosk/).
"""
