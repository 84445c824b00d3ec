"""The staff screen's modal panel: a title, a scrolling body and Close, over a scrim.

Clienteling's shopper list and the pairing QR are StaffPanels; their .kv rules only say
what goes in the body.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class StaffPanel(ModalView):
    """A titled panel whose subclass rules fill its body.

        <PairingPanel>:        # a StaffPanel subclass
            Label:             # lands in the body, under the title and above Close
                text: root.url
    """

    title = StringProperty("")

    def add_widget(self, widget, *args, **kwargs):
        """The shared rule's own box goes in the panel; every later widget in its body."""
        body = self.ids.get("panel_body")
        if body is None:  # the shared rule is still building its scroll view
            return super().add_widget(widget, *args, **kwargs)
        return body.add_widget(widget, *args, **kwargs)
