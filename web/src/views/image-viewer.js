// A result at full size, with its dimensions and a download.
import { h } from '../dom.js';

export class ImageViewer {
  constructor() {
    this.img = h('img', { alt: '' });
    this.caption = h('figcaption', {});
    this.status = h('p', { class: 'form-message', role: 'status' });
    this.el = h('dialog', { class: 'viewer', 'aria-label': 'Image, full size' },
      h('figure', {}, this.img, this.caption),
      this.status,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => this.download() }, 'Download'),
        h('button', { type: 'button', onclick: () => this.el.close(), autofocus: true }, 'Close')));
    // A click on the backdrop (outside the content box) closes it, as people expect.
    this.el.addEventListener('click', (event) => { if (event.target === this.el) this.el.close(); });
  }

  open(image, alt) {
    this.image = image;
    this.img.src = image.publicUrl;
    this.img.alt = alt;
    this.caption.textContent = [alt, image.width && `${image.width} × ${image.height} px`].filter(Boolean).join(' · ');
    this.status.textContent = '';
    this.el.showModal();
  }

  fileName() {
    const path = this.image.storagePath ?? 'image.png';
    return `imagechat-${path.split('/').pop()}`;
  }

  async download() {
    // Download-token URLs live on another origin, where <a download> is ignored: fetch the bytes
    // and save them from a blob URL; if the bucket does not allow that (CORS), open the image.
    try {
      const response = await fetch(this.image.publicUrl);
      if (!response.ok) throw new Error(String(response.status));
      const url = URL.createObjectURL(await response.blob());
      const link = h('a', { href: url, download: this.fileName() });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.status.textContent = 'Downloaded.';
    } catch {
      window.open(this.image.publicUrl, '_blank', 'noopener');
    }
  }
}
